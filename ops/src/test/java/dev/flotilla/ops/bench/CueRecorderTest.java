package dev.flotilla.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CueRecorderTest {

    @Test
    void pairsTheCpuBetweenARoutinesCuesWithItsResultLine() {
        Deque<CpuSample> readings = new ArrayDeque<>(List.of(
                new CpuSample(10, 100, 200), new CpuSample(30, 1100, 1300),       // blkrand start, done
                new CpuSample(40, 1200, 1400), new CpuSample(90, 1700, 2000)));   // blkseq start, done
        CueRecorder r = new CueRecorder(readings::removeFirst);
        for (String line : List.of("probe: cpus=1 mem_mib=128 boot=pvh", "probe: blkrand: start blocks=16384",
                "probe: blkrand: done reads=100", "probe: run blkrand ok reads=100 us=5000 errors=0",
                "probe: blkseq: start req_kib=1024 segs=128", "probe: blkseq: done reads=5",
                "probe: run blkseq ok reads=5 us=2000 errors=0 bytes=5242880 req_kib=1024 segs=128",
                "probe: run done ok=2 fail=0 unknown=0")) {
            r.accept(line);
        }
        List<CueRecorder.RoutineRun> runs = r.runs();
        assertEquals(2, runs.size());
        assertEquals("blkrand", runs.get(0).result().routine());
        assertEquals(Optional.of(new CpuSample(20, 1000, 1100)), runs.get(0).cpu());
        assertEquals(Optional.of(new CpuSample(50, 500, 600)), runs.get(1).cpu());
        assertTrue(r.problems().isEmpty());
        assertTrue(readings.isEmpty(), "one reading per cue, none for other lines");
    }

    @Test
    void aRoutineWithoutCuesHasNoCpuAndAFailedReadingIsReportedNotThrown() {
        CueRecorder r = new CueRecorder(() -> {
            throw new IllegalStateException("no live thread named virtio-x-blk-bench in this JVM");
        });
        r.accept("probe: blkrand: start blocks=8");
        r.accept("probe: blkrand: done reads=1");
        r.accept("probe: run blkrand ok reads=1 us=9 errors=0");
        r.accept("probe: run blk ok capacity=8 ro=1 id=x crc32=00000000");
        assertEquals(2, r.runs().size());
        assertTrue(r.runs().stream().allMatch(x -> x.cpu().isEmpty()));
        assertEquals(2, r.problems().size());
        assertTrue(r.problems().get(0).startsWith("blkrand: reading CPU clocks failed: no live thread"), r.problems().get(0));
    }
}
