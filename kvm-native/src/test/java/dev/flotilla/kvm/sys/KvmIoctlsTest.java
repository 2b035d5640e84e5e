package dev.flotilla.kvm.sys;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Request numbers against values read off {@code <linux/kvm.h>} (x86_64) with the C compiler. */
class KvmIoctlsTest {

    @Test
    void systemIoctlsHaveNoDirectionOrSize() {
        assertEquals(0xAE00L, KvmIoctls.KVM_GET_API_VERSION);
        assertEquals(0xAE01L, KvmIoctls.KVM_CREATE_VM);
        assertEquals(0xAE03L, KvmIoctls.KVM_CHECK_EXTENSION);
        assertEquals(0xAE04L, KvmIoctls.KVM_GET_VCPU_MMAP_SIZE);
        assertEquals(0xAE80L, KvmIoctls.KVM_RUN);
    }

    @Test
    void structIoctlsEncodeDirectionAndSize() {
        assertEquals(0x8090AE81L, KvmIoctls.KVM_GET_REGS);
        assertEquals(0x4090AE82L, KvmIoctls.KVM_SET_REGS);
        assertEquals(0x8138AE83L, KvmIoctls.KVM_GET_SREGS);
        assertEquals(0x4020AE46L, KvmIoctls.KVM_SET_USER_MEMORY_REGION);
        assertEquals(0x4008AE90L, KvmIoctls.KVM_SET_CPUID2);
        assertEquals(0xC008AE05L, KvmIoctls.KVM_GET_SUPPORTED_CPUID);
        assertEquals(0x4040AE79L, KvmIoctls.KVM_IOEVENTFD);
        assertEquals(0x4020AE76L, KvmIoctls.KVM_IRQFD);
        assertEquals(0x4040AE77L, KvmIoctls.KVM_CREATE_PIT2);
        assertEquals(0x4004AE8BL, KvmIoctls.KVM_SET_SIGNAL_MASK);
        assertEquals(0x8400AE8EL, KvmIoctls.KVM_GET_LAPIC);
        assertEquals(0xC018AE85L, KvmIoctls.KVM_TRANSLATE);
    }

    @Test
    void sizeMustFitFourteenBits() {
        assertThrows(IllegalArgumentException.class, () -> KvmIoctls.ior(0x01, 1 << 14));
    }
}
