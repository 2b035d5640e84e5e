package dev.flotilla.kvm.sys;

/**
 * Offsets into the mmap'd {@code struct kvm_run} (x86_64), and the exit reasons, named as in
 * {@code <linux/kvm.h>}. The per-exit data is a union at {@link #EXIT_UNION}; PIO data lives
 * elsewhere in the mapping, at {@code io.data_offset}.
 */
public final class KvmRunLayout {

    private KvmRunLayout() {}

    public static final int REQUEST_INTERRUPT_WINDOW = 0;  // u8
    public static final int IMMEDIATE_EXIT = 1;            // u8
    public static final int EXIT_REASON = 8;               // u32
    public static final int READY_FOR_INTERRUPT_INJECTION = 12; // u8
    public static final int IF_FLAG = 13;                  // u8
    public static final int FLAGS = 14;                    // u16
    public static final int CR8 = 16;                      // u64
    public static final int APIC_BASE = 24;                // u64
    public static final int EXIT_UNION = 32;

    // hw: { u64 hardware_exit_reason; }
    public static final int HW_HARDWARE_EXIT_REASON = 32;
    // fail_entry: { u64 hardware_entry_failure_reason; u32 cpu; }
    public static final int FAIL_ENTRY_REASON = 32;
    public static final int FAIL_ENTRY_CPU = 40;
    // ex: { u32 exception; u32 error_code; }
    public static final int EX_EXCEPTION = 32;
    public static final int EX_ERROR_CODE = 36;
    // io: { u8 direction; u8 size; u16 port; u32 count; u64 data_offset; }
    public static final int IO_DIRECTION = 32;
    public static final int IO_SIZE = 33;
    public static final int IO_PORT = 34;
    public static final int IO_COUNT = 36;
    public static final int IO_DATA_OFFSET = 40;
    public static final int KVM_EXIT_IO_IN = 0;
    public static final int KVM_EXIT_IO_OUT = 1;
    // mmio: { u64 phys_addr; u8 data[8]; u32 len; u8 is_write; }
    public static final int MMIO_PHYS_ADDR = 32;
    public static final int MMIO_DATA = 40;
    public static final int MMIO_LEN = 48;
    public static final int MMIO_IS_WRITE = 52;
    // internal: { u32 suberror; u32 ndata; u64 data[16]; }
    public static final int INTERNAL_SUBERROR = 32;
    public static final int INTERNAL_NDATA = 36;
    public static final int INTERNAL_DATA = 40;
    public static final int INTERNAL_MAX_DATA = 16;
    // system_event: { u32 type; u32 ndata; union { u64 flags; u64 data[16]; }; }
    public static final int SYSTEM_EVENT_TYPE = 32;
    public static final int SYSTEM_EVENT_NDATA = 36;
    public static final int SYSTEM_EVENT_DATA = 40;

    public static final int KVM_EXIT_UNKNOWN = 0;
    public static final int KVM_EXIT_EXCEPTION = 1;
    public static final int KVM_EXIT_IO = 2;
    public static final int KVM_EXIT_HYPERCALL = 3;
    public static final int KVM_EXIT_DEBUG = 4;
    public static final int KVM_EXIT_HLT = 5;
    public static final int KVM_EXIT_MMIO = 6;
    public static final int KVM_EXIT_IRQ_WINDOW_OPEN = 7;
    public static final int KVM_EXIT_SHUTDOWN = 8;
    public static final int KVM_EXIT_FAIL_ENTRY = 9;
    public static final int KVM_EXIT_INTR = 10;
    public static final int KVM_EXIT_NMI = 16;
    public static final int KVM_EXIT_INTERNAL_ERROR = 17;
    public static final int KVM_EXIT_SYSTEM_EVENT = 24;

    public static final int KVM_INTERNAL_ERROR_EMULATION = 1;
    public static final int KVM_INTERNAL_ERROR_SIMUL_EX = 2;
    public static final int KVM_INTERNAL_ERROR_DELIVERY_EV = 3;
    public static final int KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON = 4;
    public static final long KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES = 1L;
}
