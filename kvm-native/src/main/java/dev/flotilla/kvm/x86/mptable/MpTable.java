package dev.flotilla.kvm.x86.mptable;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory;
import dev.flotilla.kvm.x86.boot.MemoryLayout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The Intel MultiProcessor Specification 1.4 tables at 0x9fc00 (the last KiB of base memory, which
 * Linux scans): the floating pointer, then the configuration table with one processor entry per vCPU,
 * an ISA bus, the IOAPIC, IO interrupt entries for IRQ 0-23 (identity-wired), and LINT0 = ExtINT /
 * LINT1 = NMI. Linux booted with {@code acpi=off} — and kernels without ACPI — find the CPUs here.
 */
public final class MpTable {

    public static final int FLOATING_POINTER_SIZE = 16;
    public static final int HEADER_SIZE = 44;
    public static final int PROCESSOR_ENTRY_SIZE = 20;
    public static final int SMALL_ENTRY_SIZE = 8;
    public static final int SPEC_REVISION = 4;      // MP spec 1.4
    public static final int APIC_VERSION = 0x14;
    public static final int ENTRY_PROCESSOR = 0, ENTRY_BUS = 1, ENTRY_IOAPIC = 2, ENTRY_IO_INTERRUPT = 3,
            ENTRY_LOCAL_INTERRUPT = 4;
    public static final int CPU_ENABLED = 1, CPU_BOOTPROCESSOR = 2;
    public static final int INT_TYPE_INT = 0, INT_TYPE_NMI = 1, INT_TYPE_EXTINT = 3;
    /** Family 6 stepping info and the FPU + APIC feature flags, as Firecracker reports. */
    public static final int CPU_SIGNATURE = 0x600;
    public static final int CPU_FEATURES = 0x200 | 0x001;
    /** The scan window Linux looks at: the table must end before 0xA0000. */
    public static final long AREA_END = 0xa0000;

    private MpTable() {}

    /** Size of the floating pointer + configuration table for {@code vcpus}. */
    public static int size(int vcpus) {
        return FLOATING_POINTER_SIZE + HEADER_SIZE + vcpus * PROCESSOR_ENTRY_SIZE
                + SMALL_ENTRY_SIZE * (1 + 1 + (MemoryLayout.IRQ_MAX + 1) + 2);
    }

    /** The IOAPIC's ID: after every LAPIC ID (0..vcpus-1), as Firecracker numbers it. */
    public static int ioapicId(int vcpus) {
        return vcpus + 1;
    }

    public static void write(GuestMemory mem, int vcpus) {
        long base = MemoryLayout.MPTABLE_START.value();
        if (vcpus < 1 || vcpus > 254 || base + size(vcpus) > AREA_END) {
            throw new IllegalArgumentException("an MP table for %d vCPUs does not fit 0x%x-0x%x"
                    .formatted(vcpus, base, AREA_END));
        }
        ByteBuffer b = ByteBuffer.allocate(size(vcpus)).order(ByteOrder.LITTLE_ENDIAN);
        long tableAddr = base + FLOATING_POINTER_SIZE;

        // floating pointer structure
        b.put(ascii("_MP_"));
        b.putInt((int) tableAddr);
        b.put((byte) 1);                      // length in 16-byte paragraphs
        b.put((byte) SPEC_REVISION);
        b.put((byte) 0);                      // checksum, below
        b.put(new byte[5]);                   // feature bytes: 0 = a configuration table is present

        // configuration table header
        int t = b.position();
        b.put(ascii("PCMP"));
        b.putShort((short) (size(vcpus) - FLOATING_POINTER_SIZE));
        b.put((byte) SPEC_REVISION);
        b.put((byte) 0);                      // checksum, below
        b.put(ascii("FLOTILLA"));             // OEM ID, 8
        b.put(ascii("000000000000"));         // product ID, 12
        b.putInt(0);                          // OEM table pointer
        b.putShort((short) 0);                // OEM table size
        b.putShort((short) (vcpus + 1 + 1 + (MemoryLayout.IRQ_MAX + 1) + 2));   // entry count
        b.putInt((int) MemoryLayout.LAPIC_ADDR);
        b.putInt(0);                          // extended table length + checksum + reserved

        for (int i = 0; i < vcpus; i++) {
            b.put((byte) ENTRY_PROCESSOR);
            b.put((byte) i);                                      // LAPIC ID
            b.put((byte) APIC_VERSION);
            b.put((byte) (CPU_ENABLED | (i == 0 ? CPU_BOOTPROCESSOR : 0)));
            b.putInt(CPU_SIGNATURE);
            b.putInt(CPU_FEATURES);
            b.putLong(0);
        }
        b.put((byte) ENTRY_BUS).put((byte) 0).put(ascii("ISA   "));
        int ioapic = ioapicId(vcpus);
        b.put((byte) ENTRY_IOAPIC).put((byte) ioapic).put((byte) APIC_VERSION).put((byte) 1);   // usable
        b.putInt((int) MemoryLayout.IOAPIC_ADDR);
        for (int irq = 0; irq <= MemoryLayout.IRQ_MAX; irq++) {
            b.put((byte) ENTRY_IO_INTERRUPT).put((byte) INT_TYPE_INT);
            b.putShort((short) 0);                                // polarity/trigger: bus default
            b.put((byte) 0).put((byte) irq);                      // source bus ISA, its IRQ
            b.put((byte) ioapic).put((byte) irq);                 // to IOAPIC pin irq
        }
        b.put((byte) ENTRY_LOCAL_INTERRUPT).put((byte) INT_TYPE_EXTINT).putShort((short) 0)
                .put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);          // LAPIC 0 LINT0
        b.put((byte) ENTRY_LOCAL_INTERRUPT).put((byte) INT_TYPE_NMI).putShort((short) 0)
                .put((byte) 0).put((byte) 0).put((byte) 0xff).put((byte) 1);       // all LAPICs LINT1

        byte[] out = b.array();
        out[t + 7] = checksum(out, t, out.length - t);
        out[10] = checksum(out, 0, FLOATING_POINTER_SIZE);
        mem.write(GuestAddress.of(base), out);
    }

    static byte checksum(byte[] b, int off, int len) {
        int sum = 0;
        for (int i = off; i < off + len; i++) sum += b[i] & 0xff;
        return (byte) -sum;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
