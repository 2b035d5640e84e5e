package dev.flotilla.kvm.sys;

import java.nio.ByteBuffer;

/**
 * Sizes and field offsets of the small fixed-size KVM structs (x86_64 layout, checked against
 * {@code <linux/kvm.h>} by a unit test), and writers that fill them into a zeroed {@link NativeStruct}.
 * The register structs live in {@link RegsLayout}, the variable-length arrays in {@link CpuidLayout}
 * and {@link MsrsLayout}, kvm_run in {@link KvmRunLayout}.
 */
public final class KvmStructs {

    private KvmStructs() {}

    public static final int KVM_REGS_SIZE = 144;
    public static final int KVM_SREGS_SIZE = 312;
    public static final int KVM_FPU_SIZE = 416;
    public static final int KVM_LAPIC_STATE_SIZE = 1024;
    public static final int KVM_MP_STATE_SIZE = 4;
    /** kvm_cpuid2 without its entries (nent, padding). */
    public static final int KVM_CPUID2_HEADER = 8;
    public static final int KVM_CPUID_ENTRY2_SIZE = 40;
    /** kvm_msrs without its entries (nmsrs, pad). */
    public static final int KVM_MSRS_HEADER = 8;
    public static final int KVM_MSR_ENTRY_SIZE = 16;

    // struct kvm_userspace_memory_region { u32 slot, flags; u64 guest_phys_addr, memory_size, userspace_addr; }
    public static final int KVM_USERSPACE_MEMORY_REGION_SIZE = 32;

    public static void userspaceMemoryRegion(ByteBuffer b, int slot, int flags, long guestPhys, long size, long hostAddr) {
        b.putInt(0, slot).putInt(4, flags).putLong(8, guestPhys).putLong(16, size).putLong(24, hostAddr);
    }

    // struct kvm_pit_config { u32 flags; u32 pad[15]; }
    public static final int KVM_PIT_CONFIG_SIZE = 64;
    /** Let KVM sense the speaker port itself (Firecracker's setting). */
    public static final int KVM_PIT_SPEAKER_DUMMY = 1;

    // struct kvm_irq_level { union { u32 irq; s32 status; }; u32 level; }
    public static final int KVM_IRQ_LEVEL_SIZE = 8;

    public static void irqLevel(ByteBuffer b, int irq, int level) {
        b.putInt(0, irq).putInt(4, level);
    }

    // struct kvm_ioeventfd { u64 datamatch, addr; u32 len; s32 fd; u32 flags; u8 pad[36]; }
    public static final int KVM_IOEVENTFD_SIZE = 64;
    public static final int KVM_IOEVENTFD_FLAG_DATAMATCH = 1;
    public static final int KVM_IOEVENTFD_FLAG_PIO = 1 << 1;
    public static final int KVM_IOEVENTFD_FLAG_DEASSIGN = 1 << 2;

    public static void ioeventfd(ByteBuffer b, long datamatch, long addr, int len, int fd, int flags) {
        b.putLong(0, datamatch).putLong(8, addr).putInt(16, len).putInt(20, fd).putInt(24, flags);
    }

    // struct kvm_irqfd { u32 fd, gsi, flags, resamplefd; u8 pad[16]; }
    public static final int KVM_IRQFD_SIZE = 32;
    public static final int KVM_IRQFD_FLAG_DEASSIGN = 1;
    public static final int KVM_IRQFD_FLAG_RESAMPLE = 1 << 1;

    public static void irqfd(ByteBuffer b, int fd, int gsi, int flags, int resampleFd) {
        b.putInt(0, fd).putInt(4, gsi).putInt(8, flags).putInt(12, resampleFd);
    }

    // struct kvm_translation { u64 linear_address; u64 physical_address; u8 valid, writeable, usermode; u8 pad[5]; }
    public static final int KVM_TRANSLATION_SIZE = 24;
    public static final int KVM_TRANSLATION_PHYSICAL = 8;
    public static final int KVM_TRANSLATION_VALID = 16;

    // struct kvm_msi { u32 address_lo, address_hi, data, flags, devid; u8 pad[12]; }
    public static final int KVM_MSI_SIZE = 32;

    public static void msi(ByteBuffer b, long address, int data) {
        b.putInt(0, (int) address).putInt(4, (int) (address >>> 32)).putInt(8, data);
    }

    // struct kvm_signal_mask { u32 len; u8 sigset[]; } with the kernel's 64-bit sigset
    public static final int KVM_SIGNAL_MASK_SIZE = 4 + 8;

    public static void signalMask(ByteBuffer b, long kernelSigset) {
        b.putInt(0, 8).putLong(4, kernelSigset);
    }

    // Opaque state blobs a snapshot saves and restores as they are.
    public static final int KVM_VCPU_EVENTS_SIZE = 64;
    public static final int KVM_XSAVE_SIZE = 4096;
    public static final int KVM_XCRS_SIZE = 392;
    public static final int KVM_DEBUGREGS_SIZE = 128;
    /** struct kvm_irqchip { u32 chip_id; u32 pad; union { char dummy[512]; ... } chip; }. */
    public static final int KVM_IRQCHIP_SIZE = 520;
    public static final int KVM_IRQCHIP_PIC_MASTER = 0;
    public static final int KVM_IRQCHIP_PIC_SLAVE = 1;
    public static final int KVM_IRQCHIP_IOAPIC = 2;
    public static final int KVM_PIT_STATE2_SIZE = 112;
    public static final int KVM_CLOCK_DATA_SIZE = 48;

    // KVM_MP_STATE values
    public static final int KVM_MP_STATE_RUNNABLE = 0;
    public static final int KVM_MP_STATE_UNINITIALIZED = 1;
    public static final int KVM_MP_STATE_INIT_RECEIVED = 2;
    public static final int KVM_MP_STATE_HALTED = 3;
    public static final int KVM_MP_STATE_SIPI_RECEIVED = 4;
}
