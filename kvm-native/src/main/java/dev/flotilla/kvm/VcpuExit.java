package dev.flotilla.kvm;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * Why one {@code KVM_RUN} returned, decoded from {@code kvm_run}. The records copy what they need, so
 * an exit stays valid after the next run. For {@link IoIn} and {@link MmioRead} the vCPU thread answers
 * with {@link VcpuFd#completeIo(byte[])} before it runs again.
 */
public sealed interface VcpuExit {

    /** Port read of {@code size} bytes, {@code count} times (count > 1 only for {@code rep ins}). */
    record IoIn(int port, int size, int count) implements VcpuExit {
        /** Bytes the answer must have. */
        public int length() { return size * count; }
    }

    /** Port write; {@code data} holds {@code size * count} bytes, in order. */
    record IoOut(int port, int size, byte[] data) implements VcpuExit {
        public int count() { return data.length / size; }
        @Override public String toString() {
            return "IoOut[port=0x%x, size=%d, data=%s]".formatted(port, size, HexFormat.of().formatHex(data));
        }
        @Override public boolean equals(Object o) {
            return o instanceof IoOut x && x.port == port && x.size == size && Arrays.equals(x.data, data);
        }
        @Override public int hashCode() { return port * 31 + Arrays.hashCode(data); }
    }

    /** Guest read of {@code len} (1..8) bytes from an address that is not RAM. */
    record MmioRead(long addr, int len) implements VcpuExit {
        @Override public String toString() { return "MmioRead[addr=0x%x, len=%d]".formatted(addr, len); }
    }

    /** Guest write of {@code data} (1..8 bytes) to an address that is not RAM. */
    record MmioWrite(long addr, byte[] data) implements VcpuExit {
        @Override public String toString() {
            return "MmioWrite[addr=0x%x, data=%s]".formatted(addr, HexFormat.of().formatHex(data));
        }
        @Override public boolean equals(Object o) {
            return o instanceof MmioWrite x && x.addr == addr && Arrays.equals(x.data, data);
        }
        @Override public int hashCode() { return Long.hashCode(addr) * 31 + Arrays.hashCode(data); }
    }

    /** HLT with no in-kernel irqchip (with one, KVM halts the vCPU itself and this never comes). */
    record Hlt() implements VcpuExit {}

    /** Triple fault or similar: the guest is gone and should be reset or stopped. */
    record Shutdown() implements VcpuExit {}

    /** {@code KVM_EXIT_SYSTEM_EVENT}: the guest asked for shutdown, reset or reported a crash. */
    record SystemEvent(int type, long[] data) implements VcpuExit {
        public static final int SHUTDOWN = 1;
        public static final int RESET = 2;
        public static final int CRASH = 3;

        public String typeName() {
            return switch (type) {
                case SHUTDOWN -> "SHUTDOWN";
                case RESET -> "RESET";
                case CRASH -> "CRASH";
                case 4 -> "WAKEUP";
                case 5 -> "SUSPEND";
                case 6 -> "SEV_TERM";
                default -> "type " + type;
            };
        }
        @Override public String toString() {
            return "SystemEvent[" + typeName() + ", data=" + Arrays.toString(data) + "]";
        }
        @Override public boolean equals(Object o) {
            return o instanceof SystemEvent x && x.type == type && Arrays.equals(x.data, data);
        }
        @Override public int hashCode() { return type * 31 + Arrays.hashCode(data); }
    }

    /** The hardware refused to enter the guest (bad guest state); {@code cpu} is the host CPU. */
    record FailEntry(long hardwareReason, int cpu) implements VcpuExit {
        @Override public String toString() {
            return "FailEntry[hardwareReason=0x%x, cpu=%d]".formatted(hardwareReason, cpu);
        }
    }

    /**
     * KVM could not go on: most often (suberror 1) its instruction emulator met an instruction it
     * cannot emulate. See {@link #describe()} and {@link #instructionBytes()}.
     */
    record InternalError(int suberror, long[] data) implements VcpuExit {
        public static final int EMULATION = 1;
        public static final int SIMUL_EX = 2;
        public static final int DELIVERY_EV = 3;
        public static final int UNEXPECTED_EXIT_REASON = 4;
        private static final long FLAG_INSTRUCTION_BYTES = 1L;

        /**
         * The bytes KVM fetched at the failing instruction, when it reported them
         * (KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES: data[0] = flags, then a u8 length and
         * up to 15 bytes). KVM copies the whole 15-byte fetch window, so the instruction is a prefix of
         * this and the bytes after it are whatever followed in memory. Empty when not reported.
         */
        public byte[] instructionBytes() {
            if (suberror != EMULATION || data.length < 3 || (data[0] & FLAG_INSTRUCTION_BYTES) == 0) {
                return new byte[0];
            }
            byte[] raw = new byte[16];
            for (int i = 0; i < 16; i++) raw[i] = (byte) (data[1 + i / 8] >>> (8 * (i % 8)));
            int n = Math.min(raw[0] & 0xFF, 15);
            return Arrays.copyOfRange(raw, 1, 1 + n);
        }

        /** One line for logs and VM failure reasons. */
        public String describe() {
            return switch (suberror) {
                case EMULATION -> {
                    byte[] insn = instructionBytes();
                    yield "KVM could not emulate a guest instruction"
                            + (insn.length > 0 ? " (bytes " + HexFormat.ofDelimiter(" ").formatHex(insn) + ")" : "")
                            + "; on a host without VT-x/AMD-V (kvm_pvm) unmodified guests hit this early";
                }
                case SIMUL_EX -> "KVM hit an exception while delivering another (double fault in the guest)";
                case DELIVERY_EV -> "KVM could not deliver an event to the guest (bad IDT or stack)";
                case UNEXPECTED_EXIT_REASON -> "KVM saw an exit reason it does not handle"
                        + (data.length > 0 ? " (0x" + Long.toHexString(data[0]) + ")" : "");
                default -> "KVM internal error, suberror " + suberror;
            };
        }
        @Override public String toString() {
            return "InternalError[suberror=" + suberror + ", " + describe() + ", data=" + Arrays.toString(data) + "]";
        }
        @Override public boolean equals(Object o) {
            return o instanceof InternalError x && x.suberror == suberror && Arrays.equals(x.data, data);
        }
        @Override public int hashCode() { return suberror * 31 + Arrays.hashCode(data); }
    }

    /** KVM_RUN returned EINTR: the vCPU was kicked ({@link VcpuFd#kick()}) or a signal arrived. */
    record Interrupted() implements VcpuExit {}

    /** An exit reason this decoder does not turn into its own type (KVM_EXIT_* number). */
    record Unknown(int reason) implements VcpuExit {}

    /** Shared instances of the exits without data, so the run loop does not allocate for them. */
    Hlt HLT = new Hlt();
    Shutdown SHUTDOWN = new Shutdown();
    Interrupted INTERRUPTED = new Interrupted();
}
