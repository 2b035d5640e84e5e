package dev.flotilla.kvm.x86.boot;

/** One e820 memory-map entry ({@code struct boot_e820_entry}: u64 addr, u64 size, u32 type; 20 bytes packed). */
public record E820Entry(long addr, long size, int type) {
    public static final int RAM = 1;
    public static final int RESERVED = 2;
    public static final int BYTES = 20;

    public E820Entry {
        if (size <= 0) throw new IllegalArgumentException("e820 entry size must be positive: " + size);
    }

    public long end() {
        return addr + size;
    }
}
