package dev.flotilla.kvm.x86.acpi;

/**
 * Resource descriptors (ACPI spec 6.4, "Resource Data Types") and the ResourceTemplate buffer that
 * carries them in a {@code _CRS}: I/O ports, a fixed 32-bit memory range, and extended interrupts.
 */
public final class ResourceTemplate {

    static final int IO_PORT = 0x47;          // small item, 7 data bytes
    static final int END_TAG = 0x79;          // small item, 1 data byte (checksum)
    static final int MEMORY32_FIXED = 0x86;   // large item
    static final int EXTENDED_INTERRUPT = 0x89;

    private ResourceTemplate() {}

    /** A Buffer holding {@code descriptors} and an end tag whose checksum makes the bytes sum to zero. */
    public static byte[] of(byte[]... descriptors) {
        byte[] body = AmlWriter.concat(descriptors);
        int sum = END_TAG;
        for (byte b : body) sum += b & 0xff;
        byte[] end = {(byte) END_TAG, (byte) (-sum)};
        return AmlWriter.buffer(AmlWriter.concat(body, end));
    }

    /** IO(Decode16, min, max, alignment, length). */
    public static byte[] io(int min, int max, int alignment, int length) {
        if (min < 0 || max > 0xffff || min > max || alignment < 0 || alignment > 0xff || length < 0 || length > 0xff) {
            throw new IllegalArgumentException("bad IO descriptor 0x%x-0x%x align %d len %d".formatted(min, max, alignment, length));
        }
        return new byte[] {IO_PORT, 0x01, (byte) min, (byte) (min >>> 8), (byte) max, (byte) (max >>> 8),
                (byte) alignment, (byte) length};
    }

    /** Memory32Fixed(ReadWrite|ReadOnly, base, length). */
    public static byte[] memory32Fixed(boolean readWrite, long base, long length) {
        if (base < 0 || base > 0xffff_ffffL || length < 0 || length > 0xffff_ffffL) {
            throw new IllegalArgumentException("Memory32Fixed needs 32-bit base and length");
        }
        byte[] d = new byte[12];
        d[0] = (byte) MEMORY32_FIXED;
        d[1] = 9;
        d[3] = (byte) (readWrite ? 1 : 0);
        putU32(d, 4, base);
        putU32(d, 8, length);
        return d;
    }

    /**
     * Interrupt(ResourceConsumer|Producer, Edge|Level, ActiveLow|High, Shared|Exclusive) { gsi... }:
     * the extended interrupt descriptor, which names GSIs directly.
     */
    public static byte[] interrupt(boolean consumer, boolean edge, boolean activeLow, boolean shared, int... gsis) {
        if (gsis.length == 0 || gsis.length > 255) throw new IllegalArgumentException("1-255 interrupts per descriptor");
        int dataLen = 2 + 4 * gsis.length;
        byte[] d = new byte[3 + dataLen];
        d[0] = (byte) EXTENDED_INTERRUPT;
        d[1] = (byte) dataLen;
        d[2] = (byte) (dataLen >>> 8);
        d[3] = (byte) ((consumer ? 1 : 0) | (edge ? 2 : 0) | (activeLow ? 4 : 0) | (shared ? 8 : 0));
        d[4] = (byte) gsis.length;
        for (int i = 0; i < gsis.length; i++) putU32(d, 5 + 4 * i, gsis[i] & 0xffff_ffffL);
        return d;
    }

    private static void putU32(byte[] d, int off, long v) {
        for (int i = 0; i < 4; i++) d[off + i] = (byte) (v >>> (8 * i));
    }
}
