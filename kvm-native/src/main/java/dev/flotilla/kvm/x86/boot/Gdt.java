package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestMemory;
import dev.flotilla.kvm.x86.Segment;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The boot GDT (at 0x500): null, code, data, TSS — selectors 0x08, 0x10, 0x18. Two flavours: 64-bit code
 * for the Linux 64-bit protocol, flat 32-bit for PVH. The segment registers KVM gets are decoded from
 * the very descriptors written to memory, so the hidden parts of the registers and the table agree
 * (a guest reloading a selector sees what it already had).
 */
public final class Gdt {

    public static final int CODE_SELECTOR = 0x08;
    public static final int DATA_SELECTOR = 0x10;
    public static final int TSS_SELECTOR = 0x18;

    /** 64-bit: code L=1 (0xa09b), data 32-bit RW (0xc093), busy TSS (0x808b). */
    public static final long[] LONG_MODE = {
            0, entry(0xa09b, 0, 0xfffff), entry(0xc093, 0, 0xfffff), entry(0x808b, 0, 0xfffff)};
    /** PVH: flat 4 GiB 32-bit code and data, a 0x67-byte TSS (the PVH ABI's register state). */
    public static final long[] PROTECTED_32 = {
            0, entry(0xc09b, 0, 0xffff_ffffL), entry(0xc093, 0, 0xffff_ffffL), entry(0x008b, 0, 0x67)};

    private Gdt() {}

    /**
     * A segment descriptor. {@code flags} packs the access byte (bits 0-7) and the G/DB/L/AVL nibble
     * (bits 12-15), as they sit in descriptor bits 40-47 and 52-55.
     */
    public static long entry(int flags, long base, long limit) {
        return ((base & 0xff00_0000L) << (56 - 24))
                | (((long) flags & 0x0000_f0ffL) << 40)
                | ((limit & 0x000f_0000L) << (48 - 16))
                | ((base & 0x00ff_ffffL) << 16)
                | (limit & 0x0000_ffffL);
    }

    /** Fills {@code s} from descriptor {@code entry} at GDT index {@code index}. */
    public static void toSegment(long entry, int index, Segment s) {
        s.base = ((entry >>> 16) & 0x00ff_ffffL) | ((entry >>> 32) & 0xff00_0000L);
        int g = (int) ((entry >>> 55) & 1);
        long limit = ((entry >>> 32) & 0x000f_0000L) | (entry & 0xffffL);
        s.limit = (int) (g == 1 ? (limit << 12) | 0xfff : limit);
        s.selector = index * 8;
        s.type = (int) ((entry >>> 40) & 0xf);
        s.s = (int) ((entry >>> 44) & 1);
        s.dpl = (int) ((entry >>> 45) & 3);
        s.present = (int) ((entry >>> 47) & 1);
        s.avl = (int) ((entry >>> 52) & 1);
        s.l = (int) ((entry >>> 53) & 1);
        s.db = (int) ((entry >>> 54) & 1);
        s.g = g;
        s.unusable = s.present == 0 ? 1 : 0;
    }

    public static void write(GuestMemory mem, long[] table) {
        ByteBuffer b = ByteBuffer.allocate(table.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long e : table) b.putLong(e);
        mem.write(MemoryLayout.GDT_START, b.array());
    }

    /** GDTR limit for {@code table}. */
    public static int limit(long[] table) {
        return table.length * 8 - 1;
    }
}
