package dev.flotilla.kvm.x86.acpi;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory;
import dev.flotilla.kvm.x86.boot.MemoryLayout;
import dev.flotilla.kvm.x86.boot.VirtioSlot;

import java.util.List;

/**
 * Lays the ACPI tables out in the reserved area from 0xA0000 (DSDT, FADT, MADT, XSDT, each 16-byte
 * aligned) and the RSDP at 0xE0000, where Linux finds it both through boot_params/PVH and by scanning.
 */
public final class AcpiTables {

    private AcpiTables() {}

    /** Writes all tables; returns the RSDP address. */
    public static GuestAddress write(GuestMemory mem, int vcpus, List<VirtioSlot> slots) {
        Layout l = new Layout(mem);
        long dsdt = l.put(Dsdt.build(slots));
        long fadt = l.put(Fadt.build(dsdt));
        long madt = l.put(Madt.build(vcpus));
        long xsdt = l.put(Xsdt.build(List.of(fadt, madt)));
        mem.write(MemoryLayout.RSDP_ADDR, Rsdp.build(xsdt));
        return MemoryLayout.RSDP_ADDR;
    }

    private static final class Layout {
        private final GuestMemory mem;
        private long next = MemoryLayout.ACPI_TABLES_START.value();

        Layout(GuestMemory mem) {
            this.mem = mem;
        }

        long put(byte[] table) {
            long at = next;
            if (at + table.length > MemoryLayout.RSDP_ADDR.value()) {
                throw new IllegalStateException("ACPI tables overflow the area below the RSDP (0x%x bytes at 0x%x)"
                        .formatted(table.length, at));
            }
            mem.write(GuestAddress.of(at), table);
            next = (at + table.length + 15) & ~15L;
            return at;
        }
    }
}
