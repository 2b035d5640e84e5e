package dev.flotilla.kvm;

import dev.flotilla.kvm.sys.KvmStructs;
import dev.flotilla.kvm.x86.CpuidEntry;
import dev.flotilla.kvm.x86.MsrEntry;
import dev.flotilla.kvm.x86.Regs;
import dev.flotilla.kvm.x86.Sregs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.flotilla.kvm.RealModeGuest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Register and state ioctls round-trip through the kernel. */
class VcpuStateIT {

    private static Kvm kvm;

    @BeforeAll
    static void open() {
        RealModeGuest.assumeKvm();
        kvm = Kvm.open();
    }

    @AfterAll
    static void close() {
        if (kvm != null) kvm.close();
    }

    @Test
    void systemQueries() {
        assertEquals(12, kvm.apiVersion());
        assertTrue(kvm.vcpuMmapSize() >= 4096, "vcpu mmap size " + kvm.vcpuMmapSize());
        assertTrue(kvm.checkExtension(3) > 0, "KVM_CAP_USER_MEMORY");
        List<CpuidEntry> cpuid = kvm.supportedCpuid();
        assertTrue(cpuid.stream().anyMatch(e -> e.function() == 0), "leaf 0 in " + cpuid.size() + " entries");
        assertTrue(kvm.supportedCpuid() == cpuid, "cached");
        List<Integer> msrs = kvm.msrIndexList();
        assertTrue(msrs.contains(0x10), "IA32_TSC in the MSR index list: " + msrs.size() + " MSRs");
        System.out.println("[kvm] vcpu mmap size " + kvm.vcpuMmapSize() + ", " + cpuid.size() + " supported CPUID entries, "
                + msrs.size() + " MSRs, max vCPUs " + kvm.checkExtension(66) + ", memslots " + kvm.checkExtension(10));
    }

    @Test
    void regsAndSregsRoundTrip() {
        try (var g = new RealModeGuest(kvm, false, bytes(0xF4))) {
            Regs r = g.vcpu.getRegs();
            r.rax = 0x1122334455667788L;
            r.r15 = -2;
            r.rip = 0x1234;
            g.vcpu.setRegs(r);
            Regs back = g.vcpu.getRegs();
            assertEquals(0x1122334455667788L, back.rax);
            assertEquals(-2, back.r15);
            assertEquals(0x1234, back.rip);

            Sregs s = g.vcpu.getSregs();
            s.ds.base = 0x5000;
            s.ds.selector = 0x500;
            s.gdt.base = 0x500;
            s.gdt.limit = 0x1f;
            g.vcpu.setSregs(s);
            Sregs sb = g.vcpu.getSregs();
            assertEquals(0x5000, sb.ds.base);
            assertEquals(0x500, sb.ds.selector);
            assertEquals(0x500, sb.gdt.base);
            assertEquals(0x1f, sb.gdt.limit);
            assertEquals(s.cr0, sb.cr0);
        }
    }

    @Test
    void cpuidMsrsFpuLapicAndMpState() {
        try (var g = new RealModeGuest(kvm, true, bytes(0xF4))) {
            List<CpuidEntry> supported = kvm.supportedCpuid();
            g.vcpu.setCpuid2(supported);
            List<CpuidEntry> back = g.vcpu.getCpuid2();
            record Leaf(int function, int index) {}
            var setLeaves = supported.stream().map(e -> new Leaf(e.function(), e.index())).toList();
            assertTrue(back.stream().allMatch(e -> setLeaves.contains(new Leaf(e.function(), e.index()))),
                    "KVM_GET_CPUID2 returns leaves that were set");
            System.out.println("[kvm] KVM_GET_CPUID2 differs from what was set in: "
                    + back.stream().filter(e -> !supported.contains(e)).toList());
            if (back.size() != supported.size()) {
                System.out.println("[kvm] KVM_SET_CPUID2 of the supported table kept " + back.size() + " of "
                        + supported.size() + " entries; dropped: "
                        + supported.stream().filter(e -> !back.contains(e)).toList());
            }
            List<CpuidEntry> small = List.of(supported.get(0), new CpuidEntry(0x4000_0000, 0, 0, 0x4000_0001, 0x4b4d564b, 0x564b4d56, 0x4d));
            g.vcpu.setCpuid2(small);
            List<CpuidEntry> smallBack = g.vcpu.getCpuid2();
            assertEquals(small.stream().map(e -> new Leaf(e.function(), e.index())).toList(),
                    smallBack.stream().map(e -> new Leaf(e.function(), e.index())).toList());
            // kvm_pvm rewrites leaf values from the host (docs/architecture.md, "What kvm_pvm can and cannot run"); hardware KVM keeps what it was given
            if (Kvm.availability().status() == KvmAvailability.Status.HARDWARE) assertEquals(small, smallBack);

            g.vcpu.setMsrs(List.of(new MsrEntry(0x174, 0x10)));            // IA32_SYSENTER_CS
            assertEquals(List.of(new MsrEntry(0x174, 0x10)), g.vcpu.getMsrs(0x174));
            NativeExceptionCheck.assertNativeFailure("KVM_SET_MSRS",
                    () -> g.vcpu.setMsrs(List.of(new MsrEntry(0x174, 0x10), new MsrEntry(0xdead0000, 1))));

            g.vcpu.setFpu(0x27f, VcpuFd.DEFAULT_MXCSR);
            byte[] fpu = g.vcpu.getFpu();
            assertEquals(0x27f, (fpu[128] & 0xFF) | (fpu[129] & 0xFF) << 8, "fcw");
            // KVM copies neither way the mxcsr field of kvm_fpu (see VcpuFd.setFpu); it reads 0
            g.vcpu.initFpu();
            fpu = g.vcpu.getFpu();
            assertEquals(0x37f, (fpu[128] & 0xFF) | (fpu[129] & 0xFF) << 8, "fcw after initFpu");

            byte[] lapic = g.vcpu.getLapic();
            assertEquals(1024, lapic.length);
            g.vcpu.setLapic(lapic);
            assertThrows(IllegalArgumentException.class, () -> g.vcpu.setLapic(new byte[10]));

            assertEquals(KvmStructs.KVM_MP_STATE_RUNNABLE, g.vcpu.getMpState());
        }
    }

    @Test
    void translateInRealModeIsIdentity() {
        try (var g = new RealModeGuest(kvm, false, bytes(0xF4))) {
            long t;
            try {
                t = g.vcpu.translate(0x1234);
            } catch (dev.flotilla.kvm.sys.NativeException e) {
                System.out.println("[kvm] KVM_TRANSLATE not supported here: " + e.getMessage());
                return;
            }
            assertEquals(0x1234, t);
        }
    }

    @Test
    void createVcpuTwiceWithTheSameIdFailsWithAMessageNamingTheCall() {
        try (var g = new RealModeGuest(kvm, false, bytes(0xF4))) {
            var e = assertThrows(dev.flotilla.kvm.sys.NativeException.class, () -> g.vm.createVcpu(0));
            assertTrue(e.getMessage().startsWith("KVM_CREATE_VCPU(0) failed: EEXIST"), e.getMessage());
            assertFalse(g.vcpu.fd() < 0);
        }
    }
}
