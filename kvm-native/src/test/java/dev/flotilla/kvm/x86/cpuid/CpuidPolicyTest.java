package dev.flotilla.kvm.x86.cpuid;

import dev.flotilla.kvm.x86.CpuidEntry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CpuidPolicyTest {

    /** Something like KVM_GET_SUPPORTED_CPUID on an Intel host. */
    static final List<CpuidEntry> SUPPORTED = List.of(
            new CpuidEntry(0x0, 0, 0, 0x1f, 0x756e6547, 0x6c65746e, 0x49656e69),
            new CpuidEntry(0x1, 0, 0, 0x000906ea, 0x0810_0800 | 0x55, 0x7ffafbff, 0xbfebfbff),
            new CpuidEntry(0x4, 0, 1, 0x1c00_4121, 0x01c0003f, 0x3f, 0),
            new CpuidEntry(0x4, 3, 1, 0x1c03_c163, 0x03c0003f, 0x2fff, 6),
            new CpuidEntry(0x4, 4, 1, 0, 0, 0, 0),
            new CpuidEntry(0x6, 0, 0, 0x77, 2, 9, 0),
            new CpuidEntry(0xa, 0, 0, 0x07300404, 0, 0, 0x603),
            new CpuidEntry(0xb, 0, 1, 1, 2, 0x100, 7),
            new CpuidEntry(0xb, 1, 1, 4, 8, 0x201, 7),
            new CpuidEntry(0xd, 0, 1, 0x207, 0x340, 0x340, 0),
            new CpuidEntry(0x4000_0000, 0, 0, 0x4000_0001, 0x4b4d564b, 0x564b4d56, 0x4d),
            new CpuidEntry(0x8000_0001, 0, 0, 0, 0, 0x00c0_0121, 0x2c100800));

    static CpuidEntry find(List<CpuidEntry> t, int fn, int idx) {
        return t.stream().filter(e -> e.function() == fn && e.index() == idx).findFirst().orElseThrow();
    }

    @Test
    void leaf1CarriesApicIdCountAndHypervisorBit() {
        List<CpuidEntry> t = CpuidPolicy.forVcpu(SUPPORTED, 3, 4);
        CpuidEntry l1 = find(t, 1, 0);
        assertEquals(3, l1.ebx() >>> 24, "initial APIC ID");
        assertEquals(4, (l1.ebx() >>> 16) & 0xff, "logical processor count");
        assertEquals(8, (l1.ebx() >>> 8) & 0xff, "CLFLUSH line");
        assertEquals(0x55, l1.ebx() & 0xff, "brand index kept");
        assertNotEquals(0, l1.ecx() & (1 << 31), "hypervisor");
        assertNotEquals(0, l1.edx() & (1 << 28), "HTT with several CPUs");
        assertEquals(0x000906ea, l1.eax());
        CpuidEntry single = find(CpuidPolicy.forVcpu(SUPPORTED, 0, 1), 1, 0);
        assertEquals(0, single.edx() & (1 << 28), "no HTT alone");
        assertEquals(0, single.ebx() >>> 24);
    }

    @Test
    void extendedTopologyIsOneThreadPerCoreAndCountCores() {
        List<CpuidEntry> t = CpuidPolicy.forVcpu(SUPPORTED, 2, 3);
        CpuidEntry smt = find(t, 0xb, 0), core = find(t, 0xb, 1), end = find(t, 0xb, 2);
        assertEquals(0, smt.eax());
        assertEquals(1, smt.ebx());
        assertEquals(0x100, smt.ecx());
        assertEquals(2, core.eax(), "shift: 3 cores need 2 bits");
        assertEquals(3, core.ebx());
        assertEquals(0x201, core.ecx());
        assertEquals(0, end.ebx());
        assertEquals(0, (end.ecx() >>> 8) & 0xff, "invalid level ends the list");
        for (CpuidEntry e : List.of(smt, core, end)) {
            assertEquals(2, e.edx(), "x2APIC ID");
            assertEquals(CpuidEntry.FLAG_SIGNIFICANT_INDEX, e.flags());
        }
        assertEquals(3, t.stream().filter(e -> e.function() == 0xb).count());
    }

    @Test
    void cacheLeafReportsCoresAndSharing() {
        List<CpuidEntry> t = CpuidPolicy.forVcpu(SUPPORTED, 0, 4);
        CpuidEntry l1d = find(t, 4, 0), l3 = find(t, 4, 3);
        assertEquals(3, l1d.eax() >>> 26, "cores per package - 1");
        assertEquals(0, (l1d.eax() >>> 14) & 0xfff, "L1 private");
        assertEquals(3, (l3.eax() >>> 14) & 0xfff, "L3 shared by all");
        assertEquals(0x121, l1d.eax() & 0x3fff, "type/level kept");
        assertEquals(0, find(t, 4, 4).eax(), "terminator untouched");
    }

    @Test
    void noPerfMonitoringAndKvmSignatureKept() {
        List<CpuidEntry> t = CpuidPolicy.forVcpu(SUPPORTED, 0, 2);
        CpuidEntry pm = find(t, 0xa, 0);
        assertEquals(0, pm.eax() | pm.ebx() | pm.ecx() | pm.edx());
        CpuidEntry l6 = find(t, 6, 0);
        assertEquals(0x75, l6.eax(), "turbo cleared");
        assertEquals(1, l6.ecx(), "energy bias cleared");
        assertEquals(find(SUPPORTED, 0x4000_0000, 0), find(t, 0x4000_0000, 0));
        assertEquals(find(SUPPORTED, 0xd, 0), find(t, 0xd, 0), "other leaves pass through");
        CpuidEntry ext = find(t, 0x8000_0001, 0);
        assertEquals(0x121, ext.ecx(), "topoext and perfctr_core cleared");
        assertEquals(SUPPORTED.size() + 1, t.size(), "0xB gained its terminator subleaf");
    }

    @Test
    void badIndexIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> CpuidPolicy.forVcpu(SUPPORTED, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> CpuidPolicy.forVcpu(SUPPORTED, 0, 0));
    }

    @Test
    void amdCoreCountIsSetOnlyOnAmd() {
        List<CpuidEntry> amd = List.of(
                new CpuidEntry(0x0, 0, 0, 0x10, 0x68747541, 0x444d4163, 0x69746e65),
                new CpuidEntry(0x8000_0008, 0, 0, 0x3030, 0, 0x0000_700f, 0));
        CpuidEntry e = find(CpuidPolicy.forVcpu(amd, 1, 6), 0x8000_0008, 0);
        assertEquals(5, e.ecx() & 0xff, "NC = cores - 1");
        assertEquals(3, (e.ecx() >>> 12) & 0xf, "ApicIdCoreIdSize for 6 cores");
        assertEquals(0x3030, e.eax());
        List<CpuidEntry> intel = List.of(SUPPORTED.get(0), new CpuidEntry(0x8000_0008, 0, 0, 0x3027, 0, 0, 0));
        assertEquals(intel.get(1), find(CpuidPolicy.forVcpu(intel, 1, 6), 0x8000_0008, 0));
    }
}
