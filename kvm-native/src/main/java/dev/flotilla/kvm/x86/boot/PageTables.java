package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestMemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Identity page tables for entering long mode: one PML4 entry, four PDPT entries, 2048 2 MiB pages —
 * the whole first 4 GiB, so the kernel, the boot structures and the MMIO devices (0xC000_0000 up, the
 * boot timer included) are all reachable before the kernel builds its own tables.
 */
public final class PageTables {

    public static final int MAPPED_GIB = 4;
    static final long PRESENT_RW = 0x3;
    static final long PAGE_SIZE_2M = 0x80;

    private PageTables() {}

    public static void write(GuestMemory mem) {
        ByteBuffer pml4 = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        pml4.putLong(0, MemoryLayout.PDPTE_START.value() | PRESENT_RW);
        ByteBuffer pdpt = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < MAPPED_GIB; i++) {
            pdpt.putLong(i * 8, (MemoryLayout.PDE_START.value() + i * 4096L) | PRESENT_RW);
        }
        ByteBuffer pd = ByteBuffer.allocate(MAPPED_GIB * 4096).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < MAPPED_GIB * 512; i++) {
            pd.putLong(i * 8, ((long) i << 21) | PRESENT_RW | PAGE_SIZE_2M);
        }
        mem.write(MemoryLayout.PML4_START, pml4.array());
        mem.write(MemoryLayout.PDPTE_START, pdpt.array());
        mem.write(MemoryLayout.PDE_START, pd.array());
    }
}
