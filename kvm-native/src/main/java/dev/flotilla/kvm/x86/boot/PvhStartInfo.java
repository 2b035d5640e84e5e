package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;

/**
 * Writes {@code struct hvm_start_info} (Xen's PVH boot ABI, xen/include/public/arch-x86/hvm/start_info.h,
 * version 1) at 0x6000: the command line, the RSDP, the memory map (same entries as e820) at 0x7000,
 * and the initrd as module 0 of the modlist at 0x6040. EBX points here at the PVH entry.
 */
public final class PvhStartInfo {

    public static final int MAGIC = 0x336ec578;
    public static final int VERSION = 1;
    public static final int SIZE = 56;
    public static final int MODLIST_ENTRY_SIZE = 32;
    public static final int MEMMAP_ENTRY_SIZE = 24;

    // field offsets of hvm_start_info
    public static final int OFF_MAGIC = 0, OFF_VERSION = 4, OFF_FLAGS = 8, OFF_NR_MODULES = 12,
            OFF_MODLIST_PADDR = 16, OFF_CMDLINE_PADDR = 24, OFF_RSDP_PADDR = 32, OFF_MEMMAP_PADDR = 40,
            OFF_MEMMAP_ENTRIES = 48;

    private PvhStartInfo() {}

    public static void write(GuestMemory mem, GuestAddress cmdline, Optional<LoadedInitrd> initrd,
                             List<E820Entry> memmap, GuestAddress rsdp) {
        ByteBuffer si = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        si.putInt(OFF_MAGIC, MAGIC);
        si.putInt(OFF_VERSION, VERSION);
        si.putInt(OFF_NR_MODULES, initrd.isPresent() ? 1 : 0);
        si.putLong(OFF_MODLIST_PADDR, initrd.isPresent() ? MemoryLayout.PVH_MODLIST_START.value() : 0);
        si.putLong(OFF_CMDLINE_PADDR, cmdline.value());
        si.putLong(OFF_RSDP_PADDR, rsdp.value());
        si.putLong(OFF_MEMMAP_PADDR, MemoryLayout.PVH_MEMMAP_START.value());
        si.putInt(OFF_MEMMAP_ENTRIES, memmap.size());
        mem.write(MemoryLayout.PVH_INFO_START, si.array());

        if (initrd.isPresent()) {
            ByteBuffer mod = ByteBuffer.allocate(MODLIST_ENTRY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            mod.putLong(0, initrd.get().address().value());
            mod.putLong(8, initrd.get().size());
            mem.write(MemoryLayout.PVH_MODLIST_START, mod.array());
        }

        ByteBuffer mm = ByteBuffer.allocate(memmap.size() * MEMMAP_ENTRY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < memmap.size(); i++) {
            E820Entry e = memmap.get(i);
            mm.putLong(i * MEMMAP_ENTRY_SIZE, e.addr());
            mm.putLong(i * MEMMAP_ENTRY_SIZE + 8, e.size());
            mm.putInt(i * MEMMAP_ENTRY_SIZE + 16, e.type());
        }
        mem.write(MemoryLayout.PVH_MEMMAP_START, mm.array());
    }
}
