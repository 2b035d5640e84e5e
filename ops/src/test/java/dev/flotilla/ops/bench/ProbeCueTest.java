package dev.flotilla.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProbeCueTest {

    @Test
    void startAndDoneLinesOfARoutine() {
        assertEquals(new ProbeCue("blkrand", ProbeCue.Kind.START), ProbeCue.parse("probe: blkrand: start blocks=16384").orElseThrow());
        assertEquals(new ProbeCue("blkseq", ProbeCue.Kind.DONE), ProbeCue.parse("probe: blkseq: done reads=50").orElseThrow());
        assertEquals(new ProbeCue("x", ProbeCue.Kind.START), ProbeCue.parse("probe: x: start").orElseThrow());
    }

    @Test
    void otherDetailAndResultLinesAreNotCues() {
        assertTrue(ProbeCue.parse("probe: blkwait: waiting generation=0 capacity=2048").isEmpty());
        assertTrue(ProbeCue.parse("probe: netserve: serving mac=02:00:00:00:00:01 ip=169.254.77.2 ms=5000").isEmpty());
        assertTrue(ProbeCue.parse("probe: run blkrand ok reads=1 us=2 errors=0").isEmpty());
        assertTrue(ProbeCue.parse("probe: blkrand: started").isEmpty());
        assertTrue(ProbeCue.parse("probe: cpus=1 mem_mib=128 boot=pvh").isEmpty());
        assertTrue(ProbeCue.parse("flotilla probe guest v1 (boot=pvh)").isEmpty());
    }
}
