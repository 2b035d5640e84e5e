package dev.flotilla.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class DeviceSampleTest {

    private static CueRecorder.RoutineRun run(String line, CpuSample cpu) {
        return new CueRecorder.RoutineRun(ProbeResult.parse(line).orElseThrow(), Optional.ofNullable(cpu));
    }

    @Test
    void randomReadsAreFourKibEachAndRatesUseTheGuestsMicroseconds() {
        DeviceSample s = DeviceSample.ofBlock(Workload.BLOCK_RANDOM,
                run("probe: run blkrand ok reads=4000 us=2000000 errors=0", new CpuSample(40_000_000, 0, 800_000_000)));
        assertEquals(4000 * 4096L, s.bytes());
        assertEquals(2000.0, s.requestsPerSecond(), 1e-9);
        assertEquals(8.192, s.megabytesPerSecond(), 1e-9);
        assertEquals(500.0, s.microsPerRequest(), 1e-9);
        assertEquals(10.0, s.cost().orElseThrow().device(), 1e-9);
        assertEquals(200.0, s.cost().orElseThrow().process(), 1e-9);
    }

    @Test
    void sequentialReadsTakeTheirBytesFromTheLine() {
        DeviceSample s = DeviceSample.ofBlock(Workload.BLOCK_SEQUENTIAL,
                run("probe: run blkseq ok reads=10 us=1000 errors=0 bytes=10485760 req_kib=1024 segs=128", null));
        assertEquals(10_485_760L, s.bytes());
        assertEquals(10_485.76, s.megabytesPerSecond(), 1e-9);
        assertEquals(Optional.empty(), s.cost());
    }

    @Test
    void echoesCountTwoFramesEach() {
        DeviceSample s = new DeviceSample(Workload.NET_ECHO, 1000, 0, 2000, 500_000, Optional.empty());
        assertEquals(2000.0, s.requestsPerSecond(), 1e-9);
        assertEquals(4000.0, s.framesPerSecond(), 1e-9);
    }

    @Test
    void noElapsedTimeIsNotAMeasurement() {
        assertThrows(IllegalArgumentException.class,
                () -> DeviceSample.ofBlock(Workload.BLOCK_RANDOM, run("probe: run blkrand ok reads=0 us=0 errors=0", null)));
    }
}
