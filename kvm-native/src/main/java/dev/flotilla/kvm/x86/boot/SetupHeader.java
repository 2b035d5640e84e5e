package dev.flotilla.kvm.x86.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The Linux x86 setup header ({@code struct setup_header}, Documentation/arch/x86/boot.rst): the same
 * bytes at the same offsets in a bzImage file and in the zero page ({@code boot_params.hdr} at 0x1f1).
 * Offsets here are absolute (boot_params / file offsets). Immutable: {@link #bytes()} returns a copy.
 */
public final class SetupHeader {

    public static final int START = 0x1f1;
    /** boot_params reserves 0x1f1..0x290 for the header; bytes past that belong to other fields. */
    public static final int MAX_END = 0x290;

    public static final int SETUP_SECTS = 0x1f1;
    public static final int SYSSIZE = 0x1f4;
    public static final int BOOT_FLAG = 0x1fe;
    public static final int JUMP = 0x200;
    public static final int HEADER = 0x202;
    public static final int VERSION = 0x206;
    public static final int TYPE_OF_LOADER = 0x210;
    public static final int LOADFLAGS = 0x211;
    public static final int CODE32_START = 0x214;
    public static final int RAMDISK_IMAGE = 0x218;
    public static final int RAMDISK_SIZE = 0x21c;
    public static final int HEAP_END_PTR = 0x224;
    public static final int CMD_LINE_PTR = 0x228;
    public static final int INITRD_ADDR_MAX = 0x22c;
    public static final int KERNEL_ALIGNMENT = 0x230;
    public static final int RELOCATABLE_KERNEL = 0x234;
    public static final int XLOADFLAGS = 0x236;
    public static final int CMDLINE_SIZE = 0x238;
    public static final int PREF_ADDRESS = 0x258;
    public static final int INIT_SIZE = 0x260;
    /** End of the fields this code reads or writes (kernel_info_offset ends at 0x26c). */
    public static final int KNOWN_END = 0x26c;

    public static final int BOOT_FLAG_MAGIC = 0xAA55;
    /** "HdrS" little-endian. */
    public static final int HEADER_MAGIC = 0x5372_6448;
    public static final int TYPE_OF_LOADER_UNDEFINED = 0xff;
    public static final int LOADFLAGS_LOADED_HIGH = 0x01;
    public static final int LOADFLAGS_CAN_USE_HEAP = 0x80;
    public static final int XLF_KERNEL_64 = 0x01;
    /** Default initrd_addr_max for protocol < 2.03 kernels; newer ones state their own. */
    public static final long DEFAULT_INITRD_ADDR_MAX = 0x37ff_ffffL;
    /** Version and kernel alignment Firecracker gives an ELF kernel's synthesized header. */
    public static final int SYNTHESIZED_VERSION = 0x020F;
    public static final int SYNTHESIZED_KERNEL_ALIGNMENT = 0x0100_0000;

    private final byte[] bytes;   // boot_params/file offsets START .. START+bytes.length

    private SetupHeader(byte[] bytes) {
        this.bytes = bytes;
    }

    /** The header from an image's first sector(s): {@code image} holds file bytes from offset 0. */
    static SetupHeader fromImage(byte[] image, int end) {
        int e = Math.min(Math.max(end, KNOWN_END), MAX_END);
        byte[] b = new byte[e - START];
        System.arraycopy(image, START, b, 0, Math.min(b.length, image.length - START));
        return new SetupHeader(b);
    }

    /** What an ELF kernel gets: just enough for the kernel to trust the zero page (as Firecracker writes). */
    public static SetupHeader synthesized() {
        SetupHeader h = new SetupHeader(new byte[KNOWN_END - START]);
        h.put16(BOOT_FLAG, BOOT_FLAG_MAGIC);
        h.put32(HEADER, HEADER_MAGIC);
        h.put16(VERSION, SYNTHESIZED_VERSION);
        h.put8(TYPE_OF_LOADER, TYPE_OF_LOADER_UNDEFINED);
        h.put32(KERNEL_ALIGNMENT, SYNTHESIZED_KERNEL_ALIGNMENT);
        h.put32(INITRD_ADDR_MAX, 0x7fff_ffff);
        return h;
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    SetupHeader copy() {
        return new SetupHeader(bytes.clone());
    }

    private ByteBuffer buf() {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    public int u8(int off) { return bytes[off - START] & 0xff; }
    public int u16(int off) { return buf().getShort(off - START) & 0xffff; }
    public long u32(int off) { return buf().getInt(off - START) & 0xffff_ffffL; }
    public long u64(int off) { return buf().getLong(off - START); }

    void put8(int off, int v) { bytes[off - START] = (byte) v; }
    void put16(int off, int v) { buf().putShort(off - START, (short) v); }
    void put32(int off, long v) { buf().putInt(off - START, (int) v); }

    public int version() { return u16(VERSION); }

    /** Highest address the initrd may end at (inclusive), per the header's protocol version. */
    public long initrdAddrMax() {
        return version() >= 0x0203 ? u32(INITRD_ADDR_MAX) : DEFAULT_INITRD_ADDR_MAX;
    }

    /** Maximum command line length excluding the NUL (protocol ≥ 2.06), else the historical 255. */
    public long cmdlineSize() {
        return version() >= 0x0206 ? u32(CMDLINE_SIZE) : 255;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SetupHeader h && Arrays.equals(bytes, h.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "SetupHeader[version=%d.%02d, %d bytes]".formatted(version() >> 8, version() & 0xff, bytes.length);
    }
}
