package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestMemory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The guest's memory map, shared by the zero page (e820) and PVH (hvm_memmap): base memory below the
 * EBDA, the EBDA/MP/ACPI/BIOS area reserved up to 1 MiB (so the kernel keeps its hands off the tables),
 * RAM from 1 MiB to the MMIO gap, and RAM above 4 GiB. Pure: computed from the region list alone.
 */
public final class E820Map {

    /** The zero page holds at most 128 entries (E820_MAX_ENTRIES_ZEROPAGE). */
    public static final int MAX_ENTRIES = 128;

    private E820Map() {}

    public static List<E820Entry> build(List<GuestMemory.Region> ram) {
        List<E820Entry> out = new ArrayList<>();
        for (GuestMemory.Region r : ram) {
            long start = r.start().value(), end = r.end();
            if (start < MemoryLayout.HIMEM_START) {
                if (start != 0 || end < MemoryLayout.HIMEM_START) {
                    throw new IllegalArgumentException(
                            "guest RAM must cover [0, 1 MiB) in one region for the boot structures; got " + r);
                }
                out.add(new E820Entry(0, MemoryLayout.EBDA_START, E820Entry.RAM));
                out.add(new E820Entry(MemoryLayout.EBDA_START, MemoryLayout.HIMEM_START - MemoryLayout.EBDA_START,
                        E820Entry.RESERVED));
                start = MemoryLayout.HIMEM_START;
            }
            if (end > start) out.add(new E820Entry(start, end - start, E820Entry.RAM));
        }
        out.sort(Comparator.comparingLong(E820Entry::addr));
        return List.copyOf(out);
    }
}
