package dev.flotilla.kvm;

import static dev.flotilla.kvm.RealModeGuest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.x86.MsrEntry;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * KVM_KVMCLOCK_CTRL on a real vCPU: refused (false) while the guest has no kvmclock, and once it has one,
 * the guest's clock record says "stopped" after the vCPU's next entry, which is what a Linux guest's
 * soft-lockup watchdog looks at after a pause.
 */
class KvmclockCtrlIT {

    private static final int MSR_KVM_SYSTEM_TIME_NEW = 0x4b564d01;
    /** Where the guest's pvclock_vcpu_time_info lives in this test, and its flags byte within it. */
    private static final long PVCLOCK = 0x2000;
    private static final int PVCLOCK_FLAGS = 29;
    private static final int PVCLOCK_GUEST_STOPPED = 1 << 1;
    /** out 0x10, al; out 0x10, al; hlt */
    private static final byte[] CODE = bytes(0xE6, 0x10, 0xE6, 0x10, 0xF4);

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
    void withoutKvmclockTheCallIsAnsweredFalseNotThrown() {
        try (var g = new RealModeGuest(kvm, false, CODE)) {
            assertFalse(g.vcpu.kvmclockCtrl(), "a vCPU whose guest never enabled kvmclock");
        }
    }

    @Test
    void theGuestsClockRecordSaysStoppedAfterTheNextEntry() {
        try (var g = new RealModeGuest(kvm, false, CODE)) {
            g.vcpu.setMsrs(List.of(new MsrEntry(MSR_KVM_SYSTEM_TIME_NEW, PVCLOCK | 1)));   // as the guest's wrmsr would
            assertInstanceOf(VcpuExit.IoOut.class, g.vcpu.run());
            assertEquals(0, flags(g) & PVCLOCK_GUEST_STOPPED, "stopped before any KVM_KVMCLOCK_CTRL");

            assertTrue(g.vcpu.kvmclockCtrl(), "KVM_KVMCLOCK_CTRL with kvmclock enabled");
            assertInstanceOf(VcpuExit.IoOut.class, g.vcpu.run());
            assertEquals(PVCLOCK_GUEST_STOPPED, flags(g) & PVCLOCK_GUEST_STOPPED,
                    "PVCLOCK_GUEST_STOPPED after the entry");
        }
    }

    private static int flags(RealModeGuest g) {
        return g.memory.read(GuestAddress.of(PVCLOCK + PVCLOCK_FLAGS), 1)[0] & 0xFF;
    }
}
