package dev.flotilla.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ProbeResultTest {

    @Test
    void readsTheRoutineItsOutcomeAndItsNumbers() {
        ProbeResult r = ProbeResult.parse("probe: run blkseq ok reads=50 us=34029 errors=0 bytes=52428800 req_kib=1024 segs=128").orElseThrow();
        assertEquals("blkseq", r.routine());
        assertTrue(r.ok());
        assertEquals(50, r.number("reads"));
        assertEquals(52_428_800L, r.number("bytes"));
        assertEquals(128, r.number("segs"));
    }

    @Test
    void aFailureKeepsItsKeyValuesAndSkipsItsReasonWords() {
        ProbeResult r = ProbeResult.parse("probe: run netserve fail no virtio-net device (device_id 1) on the command line answered=0").orElseThrow();
        assertFalse(r.ok());
        assertEquals(Map.of("answered", "0"), r.fields());
    }

    @Test
    void theSummaryLineAndOtherLinesAreNotResults() {
        assertTrue(ProbeResult.parse("probe: run done ok=2 fail=0 unknown=0").isEmpty());
        assertTrue(ProbeResult.parse("probe: blkrand: done reads=12").isEmpty());
        assertTrue(ProbeResult.parse("probe: cpus=1 mem_mib=128 boot=pvh").isEmpty());
        assertTrue(ProbeResult.parse("probe: run blk").isEmpty());
    }

    @Test
    void aMissingOrNonNumericKeyIsNamedWithTheLine() {
        ProbeResult r = ProbeResult.parse("probe: run blkrand ok reads=x").orElseThrow();
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> r.number("us"));
        assertTrue(missing.getMessage().contains("no us=") && missing.getMessage().contains("make -C ops/guest"), missing.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> r.number("reads"));
        assertTrue(bad.getMessage().contains("reads=x"), bad.getMessage());
    }
}
