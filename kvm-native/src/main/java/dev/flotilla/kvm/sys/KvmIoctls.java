package dev.flotilla.kvm.sys;

/**
 * Every KVM ioctl request number this project uses, in one table, computed the way
 * {@code <asm-generic/ioctl.h>} does (x86_64: 2 direction bits, 14 size bits, 8 type bits, 8 number
 * bits) and named as in {@code <linux/kvm.h>}. The sizes are the x86_64 struct sizes; a unit test
 * checks the whole table against the header with the C compiler.
 */
public final class KvmIoctls {

    private KvmIoctls() {}

    public static final int KVMIO = 0xAE;

    private static final int IOC_NONE = 0, IOC_WRITE = 1, IOC_READ = 2;

    static long ioc(int dir, int type, int nr, int size) {
        if (size < 0 || size >= (1 << 14)) throw new IllegalArgumentException("ioctl size out of range: " + size);
        return ((long) dir << 30) | ((long) size << 16) | ((long) type << 8) | nr;
    }

    public static long io(int nr) { return ioc(IOC_NONE, KVMIO, nr, 0); }
    public static long ior(int nr, int size) { return ioc(IOC_READ, KVMIO, nr, size); }
    public static long iow(int nr, int size) { return ioc(IOC_WRITE, KVMIO, nr, size); }
    public static long iowr(int nr, int size) { return ioc(IOC_READ | IOC_WRITE, KVMIO, nr, size); }

    // ---- system ioctls (/dev/kvm) ----
    public static final long KVM_GET_API_VERSION = io(0x00);
    public static final long KVM_CREATE_VM = io(0x01);
    public static final long KVM_GET_MSR_INDEX_LIST = iowr(0x02, 4);               // kvm_msr_list
    public static final long KVM_CHECK_EXTENSION = io(0x03);
    public static final long KVM_GET_VCPU_MMAP_SIZE = io(0x04);
    public static final long KVM_GET_SUPPORTED_CPUID = iowr(0x05, KvmStructs.KVM_CPUID2_HEADER);
    public static final long KVM_GET_EMULATED_CPUID = iowr(0x09, KvmStructs.KVM_CPUID2_HEADER);
    public static final long KVM_GET_MSR_FEATURE_INDEX_LIST = iowr(0x0a, 4);

    // ---- VM ioctls ----
    public static final long KVM_CREATE_VCPU = io(0x41);
    public static final long KVM_GET_DIRTY_LOG = iow(0x42, 16);                    // kvm_dirty_log
    public static final long KVM_SET_NR_MMU_PAGES = io(0x44);
    public static final long KVM_GET_NR_MMU_PAGES = io(0x45);
    public static final long KVM_SET_USER_MEMORY_REGION = iow(0x46, KvmStructs.KVM_USERSPACE_MEMORY_REGION_SIZE);
    public static final long KVM_SET_TSS_ADDR = io(0x47);
    public static final long KVM_SET_IDENTITY_MAP_ADDR = iow(0x48, 8);             // __u64
    public static final long KVM_CREATE_IRQCHIP = io(0x60);
    public static final long KVM_IRQ_LINE = iow(0x61, KvmStructs.KVM_IRQ_LEVEL_SIZE);
    public static final long KVM_GET_IRQCHIP = iowr(0x62, KvmStructs.KVM_IRQCHIP_SIZE);
    public static final long KVM_SET_IRQCHIP = ior(0x63, KvmStructs.KVM_IRQCHIP_SIZE); // sic: _IOR in the header
    public static final long KVM_CREATE_PIT = io(0x64);
    public static final long KVM_IRQ_LINE_STATUS = iowr(0x67, KvmStructs.KVM_IRQ_LEVEL_SIZE);
    public static final long KVM_REGISTER_COALESCED_MMIO = iow(0x67, 16);          // kvm_coalesced_mmio_zone
    public static final long KVM_UNREGISTER_COALESCED_MMIO = iow(0x68, 16);
    public static final long KVM_SET_GSI_ROUTING = iow(0x6a, 8);                   // kvm_irq_routing header
    public static final long KVM_IRQFD = iow(0x76, KvmStructs.KVM_IRQFD_SIZE);
    public static final long KVM_CREATE_PIT2 = iow(0x77, KvmStructs.KVM_PIT_CONFIG_SIZE);
    public static final long KVM_SET_BOOT_CPU_ID = io(0x78);
    public static final long KVM_IOEVENTFD = iow(0x79, KvmStructs.KVM_IOEVENTFD_SIZE);
    public static final long KVM_SET_CLOCK = iow(0x7b, KvmStructs.KVM_CLOCK_DATA_SIZE);
    public static final long KVM_GET_CLOCK = ior(0x7c, KvmStructs.KVM_CLOCK_DATA_SIZE);
    public static final long KVM_GET_PIT2 = ior(0x9f, KvmStructs.KVM_PIT_STATE2_SIZE);
    public static final long KVM_SET_PIT2 = iow(0xa0, KvmStructs.KVM_PIT_STATE2_SIZE);
    public static final long KVM_ENABLE_CAP = iow(0xa3, 104);                      // kvm_enable_cap
    public static final long KVM_SIGNAL_MSI = iow(0xa5, KvmStructs.KVM_MSI_SIZE);

    // ---- vCPU ioctls ----
    public static final long KVM_RUN = io(0x80);
    public static final long KVM_GET_REGS = ior(0x81, KvmStructs.KVM_REGS_SIZE);
    public static final long KVM_SET_REGS = iow(0x82, KvmStructs.KVM_REGS_SIZE);
    public static final long KVM_GET_SREGS = ior(0x83, KvmStructs.KVM_SREGS_SIZE);
    public static final long KVM_SET_SREGS = iow(0x84, KvmStructs.KVM_SREGS_SIZE);
    public static final long KVM_TRANSLATE = iowr(0x85, KvmStructs.KVM_TRANSLATION_SIZE);
    public static final long KVM_INTERRUPT = iow(0x86, 4);                         // kvm_interrupt
    public static final long KVM_GET_MSRS = iowr(0x88, KvmStructs.KVM_MSRS_HEADER);
    public static final long KVM_SET_MSRS = iow(0x89, KvmStructs.KVM_MSRS_HEADER);
    public static final long KVM_SET_SIGNAL_MASK = iow(0x8b, 4);                   // kvm_signal_mask header
    public static final long KVM_GET_FPU = ior(0x8c, KvmStructs.KVM_FPU_SIZE);
    public static final long KVM_SET_FPU = iow(0x8d, KvmStructs.KVM_FPU_SIZE);
    public static final long KVM_GET_LAPIC = ior(0x8e, KvmStructs.KVM_LAPIC_STATE_SIZE);
    public static final long KVM_SET_LAPIC = iow(0x8f, KvmStructs.KVM_LAPIC_STATE_SIZE);
    public static final long KVM_SET_CPUID2 = iow(0x90, KvmStructs.KVM_CPUID2_HEADER);
    public static final long KVM_GET_CPUID2 = iowr(0x91, KvmStructs.KVM_CPUID2_HEADER);
    public static final long KVM_GET_MP_STATE = ior(0x98, KvmStructs.KVM_MP_STATE_SIZE);
    public static final long KVM_SET_MP_STATE = iow(0x99, KvmStructs.KVM_MP_STATE_SIZE);
    public static final long KVM_NMI = io(0x9a);
    public static final long KVM_SET_GUEST_DEBUG = iow(0x9b, 72);                  // kvm_guest_debug
    public static final long KVM_GET_VCPU_EVENTS = ior(0x9f, KvmStructs.KVM_VCPU_EVENTS_SIZE);
    public static final long KVM_SET_VCPU_EVENTS = iow(0xa0, KvmStructs.KVM_VCPU_EVENTS_SIZE);
    public static final long KVM_GET_DEBUGREGS = ior(0xa1, KvmStructs.KVM_DEBUGREGS_SIZE);
    public static final long KVM_SET_DEBUGREGS = iow(0xa2, KvmStructs.KVM_DEBUGREGS_SIZE);
    public static final long KVM_SET_TSC_KHZ = io(0xa2);
    public static final long KVM_GET_TSC_KHZ = io(0xa3);
    public static final long KVM_GET_XSAVE = ior(0xa4, KvmStructs.KVM_XSAVE_SIZE);
    public static final long KVM_SET_XSAVE = iow(0xa5, KvmStructs.KVM_XSAVE_SIZE);
    public static final long KVM_GET_XCRS = ior(0xa6, KvmStructs.KVM_XCRS_SIZE);
    public static final long KVM_SET_XCRS = iow(0xa7, KvmStructs.KVM_XCRS_SIZE);
    public static final long KVM_KVMCLOCK_CTRL = io(0xad);
}
