package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;

/**
 * Writes the Linux zero page ({@code struct boot_params}, Documentation/arch/x86/zero-page.rst) at
 * 0x7000 for the 64-bit boot protocol: the setup header (the bzImage's own, or one synthesized for an
 * ELF kernel) with the loader's fields filled in, the e820 map and the RSDP address. Built in a
 * 4 KiB buffer and written in one go.
 */
public final class BootParams {

    public static final int SIZE = 4096;
    public static final int ACPI_RSDP_ADDR = 0x070;
    public static final int EXT_RAMDISK_IMAGE = 0x0c0;
    public static final int EXT_RAMDISK_SIZE = 0x0c4;
    public static final int EXT_CMD_LINE_PTR = 0x0c8;
    public static final int E820_ENTRIES = 0x1e8;
    public static final int E820_TABLE = 0x2d0;

    private BootParams() {}

    /**
     * @param cmdlineBytes command line length including its NUL (what a synthesized header advertises)
     */
    public static void write(GuestMemory mem, SetupHeader imageHeader, boolean synthesized, GuestAddress cmdline,
                             int cmdlineBytes, Optional<LoadedInitrd> initrd, List<E820Entry> e820,
                             GuestAddress rsdp) {
        if (e820.size() > E820Map.MAX_ENTRIES) throw new IllegalArgumentException("too many e820 entries: " + e820.size());
        SetupHeader h = imageHeader.copy();
        h.put8(SetupHeader.TYPE_OF_LOADER, SetupHeader.TYPE_OF_LOADER_UNDEFINED);
        h.put32(SetupHeader.CMD_LINE_PTR, cmdline.value());
        // A bzImage's cmdline_size is the kernel's limit (read-only for loaders); only ours is ours to set.
        if (synthesized) h.put32(SetupHeader.CMDLINE_SIZE, cmdlineBytes);
        h.put32(SetupHeader.RAMDISK_IMAGE, initrd.map(i -> i.address().value()).orElse(0L));
        h.put32(SetupHeader.RAMDISK_SIZE, initrd.map(LoadedInitrd::size).orElse(0L));

        ByteBuffer zp = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        zp.put(SetupHeader.START, h.bytes());
        zp.putLong(ACPI_RSDP_ADDR, rsdp.value());
        zp.putInt(EXT_CMD_LINE_PTR, (int) (cmdline.value() >>> 32));
        initrd.ifPresent(i -> {
            zp.putInt(EXT_RAMDISK_IMAGE, (int) (i.address().value() >>> 32));
            zp.putInt(EXT_RAMDISK_SIZE, (int) (i.size() >>> 32));
        });
        zp.put(E820_ENTRIES, (byte) e820.size());
        for (int i = 0; i < e820.size(); i++) {
            E820Entry e = e820.get(i);
            int off = E820_TABLE + i * E820Entry.BYTES;
            zp.putLong(off, e.addr());
            zp.putLong(off + 8, e.size());
            zp.putInt(off + 16, e.type());
        }
        mem.write(MemoryLayout.ZERO_PAGE_START, zp.array());
    }
}
