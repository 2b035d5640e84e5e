package dev.flotilla.kvm.x86.acpi;

import dev.flotilla.kvm.x86.boot.MemoryLayout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Multiple APIC Description Table: the LAPIC base, one enabled Processor Local APIC per vCPU (APIC
 * ID = ACPI UID = vCPU index, matching CPUID), and the one IOAPIC with GSIs from 0. No interrupt source
 * overrides: KVM's default routing wires ISA IRQ n to IOAPIC pin n, which is ACPI's default assumption.
 */
public final class Madt {

    public static final int REVISION = 5;
    public static final int LAPIC_ADDR_OFFSET = 36;
    public static final int FLAGS_OFFSET = 40;
    public static final int ENTRIES_OFFSET = 44;
    public static final int TYPE_LOCAL_APIC = 0;
    public static final int TYPE_IO_APIC = 1;
    public static final int LOCAL_APIC_LENGTH = 8;
    public static final int IO_APIC_LENGTH = 12;
    public static final int LOCAL_APIC_ENABLED = 1;
    public static final int IO_APIC_ID = 0;

    private Madt() {}

    public static byte[] build(int vcpus) {
        if (vcpus < 1 || vcpus > 255) throw new IllegalArgumentException("MADT vCPU count 1..255: " + vcpus);
        ByteBuffer body = ByteBuffer.allocate(8 + vcpus * LOCAL_APIC_LENGTH + IO_APIC_LENGTH)
                .order(ByteOrder.LITTLE_ENDIAN);
        body.putInt((int) MemoryLayout.LAPIC_ADDR);
        body.putInt(0);   // flags: no PCAT_COMPAT — a hardware-reduced guest does not drive the 8259s
        for (int i = 0; i < vcpus; i++) {
            body.put((byte) TYPE_LOCAL_APIC).put((byte) LOCAL_APIC_LENGTH);
            body.put((byte) i).put((byte) i);
            body.putInt(LOCAL_APIC_ENABLED);
        }
        body.put((byte) TYPE_IO_APIC).put((byte) IO_APIC_LENGTH);
        body.put((byte) IO_APIC_ID).put((byte) 0);
        body.putInt((int) MemoryLayout.IOAPIC_ADDR);
        body.putInt(0);   // GSI base
        return Sdt.build("APIC", REVISION, "FLOTMADT", body.array());
    }
}
