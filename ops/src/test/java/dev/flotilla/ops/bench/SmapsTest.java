package dev.flotilla.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SmapsTest {

    /** Three mappings as a QEMU process shows them: its binary, its guest RAM (128 MiB), and [heap]. */
    static final String SAMPLE = """
            55aa3c668000-55aa3ca6f000 r--p 00000000 fe:00 2170895                    /usr/bin/qemu-system-x86_64
            Size:               4124 kB
            KernelPageSize:        4 kB
            MMUPageSize:           4 kB
            Rss:                4060 kB
            Pss:                1015 kB
            Shared_Clean:       4060 kB
            Private_Dirty:         0 kB
            VmFlags: rd mr mw me dw sd
            7f0327e00000-7f032fe00000 rw-p 00000000 00:00 0 
            Size:             131072 kB
            KernelPageSize:        4 kB
            Rss:                2048 kB
            Pss:                2048 kB
            AnonHugePages:      2048 kB
            THPeligible:    1
            VmFlags: rd wr mr mw me ac sd hg
            55aa794a2000-55aa79da0000 rw-p 00000000 00:00 0                          [heap]
            Size:               9208 kB
            Rss:                4204 kB
            Pss:                4204 kB
            VmFlags: rd wr mr mw me ac sd
            """;

    @Test
    void parsesEveryMappingWithItsRangeNameAndCounters() {
        List<Smaps.Mapping> maps = Smaps.parse(SAMPLE);
        assertEquals(3, maps.size());
        Smaps.Mapping bin = maps.get(0);
        assertEquals(0x55aa3c668000L, bin.start());
        assertEquals(0x55aa3ca6f000L, bin.end());
        assertEquals("r--p", bin.perms());
        assertEquals("/usr/bin/qemu-system-x86_64", bin.name());
        assertEquals(4060, bin.rssKib());
        assertEquals(1015, bin.pssKib());
        assertEquals(4124, bin.sizeKib());
        assertFalse(bin.anonymous());
    }

    @Test
    void guestRamIsTheAnonymousMappingOfExactlyTheMemorySize() {
        List<Smaps.Mapping> maps = Smaps.parse(SAMPLE);
        Smaps.Mapping ram = QemuRuns.guestRam(maps, 128).orElseThrow();
        assertTrue(ram.anonymous());
        assertEquals(0x7f0327e00000L, ram.start());
        assertEquals(2048, ram.rssKib());
        assertTrue(QemuRuns.guestRam(maps, 256).isEmpty());
        assertFalse(maps.get(2).anonymous(), "[heap] is named, not guest RAM");
    }

    @Test
    void totalsSumACounterOverAllMappings() {
        List<Smaps.Mapping> maps = Smaps.parse(SAMPLE);
        assertEquals(4060 + 2048 + 4204, Smaps.total(maps, "Rss"));
        assertEquals(1015 + 2048 + 4204, Smaps.total(maps, "Pss"));
        assertEquals(2048, Smaps.total(maps, "AnonHugePages"));
    }

    @Test
    void nonKibLinesSuchAsVmFlagsAreIgnored() {
        Smaps.Mapping ram = Smaps.parse(SAMPLE).get(1);
        assertFalse(ram.kib().containsKey("VmFlags"));
        assertFalse(ram.kib().containsKey("THPeligible"));
    }

    @Test
    void rollupGivesTheProcessTotals() {
        Map<String, Long> r = Smaps.parseRollup("""
                55aa3c668000-7ffed3553000 ---p 00000000 00:00 0                          [rollup]
                Rss:               36324 kB
                Pss:               34856 kB
                Anonymous:         14456 kB
                """);
        assertEquals(36324, r.get("Rss"));
        assertEquals(34856, r.get("Pss"));
        assertEquals(14456, r.get("Anonymous"));
        assertEquals(3, r.size());
    }

    @Test
    void readsThisProcessFromProc() {
        long self = ProcessHandle.current().pid();
        List<Smaps.Mapping> maps = Smaps.read(self);
        long rss = Smaps.total(maps, "Rss");
        long rollup = Smaps.readRollup(self).get("Rss");
        assertTrue(rss > 1024, "a JVM has more than 1 MiB resident: " + rss);
        // both read at slightly different moments; a JVM does not move by half between them
        assertTrue(Math.abs(rss - rollup) < rollup / 2, rss + " vs " + rollup);
    }
}
