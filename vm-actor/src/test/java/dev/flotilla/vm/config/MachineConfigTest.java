package dev.flotilla.vm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MachineConfigTest {

    private static InvalidConfigException refused(Runnable construction) {
        return assertThrows(InvalidConfigException.class, construction::run);
    }

    @Test
    void defaultsAreFirecrackers() {
        MachineConfig d = MachineConfig.DEFAULT;
        assertEquals(1, d.vcpuCount());
        assertEquals(128, d.memSizeMib());
        assertFalse(d.smt());
        assertEquals(CpuTemplate.NONE, d.cpuTemplate());
        assertFalse(d.trackDirtyPages());
        assertEquals(HugePages.NONE, d.hugePages());
        assertEquals(128L << 20, d.memSizeBytes());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 31, 32})
    void vcpuCountsFromOneToThirtyTwoAreAccepted(int count) {
        assertEquals(count, MachineConfig.DEFAULT.withVcpuCount(count).vcpuCount());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 33, 256})
    void vcpuCountsOutsideOneToThirtyTwoAreRefused(int count) {
        var e = refused(() -> MachineConfig.DEFAULT.withVcpuCount(count));
        assertEquals("vcpu_count", e.field());
        assertEquals("vcpu_count " + count + " is out of range: use 1 to 32", e.getMessage());
    }

    @Test
    void smtNeedsOneOrAnEvenVcpuCount() {
        var smt = MachineConfig.DEFAULT.withSmt(true);
        assertTrue(smt.smt());
        assertEquals(4, smt.withVcpuCount(4).vcpuCount());
        var e = refused(() -> smt.withVcpuCount(3));
        assertEquals("vcpu_count", e.field());
        assertTrue(e.getMessage().contains("use 1 or an even count"), e.getMessage());
        assertFalse(MachineConfig.DEFAULT.withVcpuCount(3).smt(), "odd counts are fine without SMT");
        refused(() -> MachineConfig.DEFAULT.withVcpuCount(3).withSmt(true));
    }

    @Test
    void memorySizeIsBoundedAtBothEnds() {
        assertEquals(16, MachineConfig.DEFAULT.withMemSizeMib(16).memSizeMib());
        assertEquals(65536, MachineConfig.DEFAULT.withMemSizeMib(65536).memSizeMib());
        for (long mib : new long[] {0, 15, 65537, 134_217_728}) {
            var e = refused(() -> MachineConfig.DEFAULT.withMemSizeMib(mib));
            assertEquals("mem_size_mib", e.field());
            assertEquals("mem_size_mib " + mib + " is out of range: use 16 to 65536 (MiB, not bytes)", e.getMessage());
        }
    }

    @Test
    void hugePagesNeedAnEvenMemorySize() {
        var huge = MachineConfig.DEFAULT.withHugePages(HugePages.HUGETLBFS_2M);
        assertEquals(HugePages.HUGETLBFS_2M, huge.hugePages());
        var e = refused(() -> huge.withMemSizeMib(129));
        assertEquals("mem_size_mib", e.field());
        assertTrue(e.getMessage().contains("2M huge pages"), e.getMessage());
        assertEquals(129, MachineConfig.DEFAULT.withMemSizeMib(129).memSizeMib());
    }

    @Test
    void missingEnumsAreRefusedByField() {
        assertEquals("cpu_template", refused(() -> MachineConfig.DEFAULT.withCpuTemplate(null)).field());
        assertEquals("huge_pages", refused(() -> MachineConfig.DEFAULT.withHugePages(null)).field());
    }

    @Test
    void withersChangeOnlyTheirField() {
        var c = MachineConfig.DEFAULT.withCpuTemplate(CpuTemplate.T2S).withTrackDirtyPages(true);
        assertEquals(new MachineConfig(1, 128, false, CpuTemplate.T2S, true, HugePages.NONE), c);
    }

    @Test
    void cpuTemplatesParseByTheirExactApiNames() {
        for (String name : new String[] {"None", "T2", "T2S", "C3", "T2CL", "T2A"}) {
            assertEquals(name, CpuTemplate.fromApiName(name).apiName());
        }
        var e = refused(() -> CpuTemplate.fromApiName("t2"));
        assertEquals("cpu_template", e.field());
        assertEquals("cpu_template 't2' is not a CPU template: use one of None, T2, T2S, C3, T2CL, T2A", e.getMessage());
        refused(() -> CpuTemplate.fromApiName(null));
    }

    @Test
    void hugePagesParseByTheirApiNames() {
        assertEquals(HugePages.NONE, HugePages.fromApiName("None"));
        assertEquals(HugePages.HUGETLBFS_2M, HugePages.fromApiName("2M"));
        assertEquals("huge_pages", refused(() -> HugePages.fromApiName("1G")).field());
    }
}
