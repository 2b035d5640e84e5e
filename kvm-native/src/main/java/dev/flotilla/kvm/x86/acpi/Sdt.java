package dev.flotilla.kvm.x86.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The 36-byte System Description Table header every ACPI table but the RSDP starts with, and the
 * checksum rule (all bytes of the table sum to zero mod 256).
 */
public final class Sdt {

    public static final int HEADER_SIZE = 36;
    public static final int LENGTH_OFFSET = 4;
    public static final int CHECKSUM_OFFSET = 9;
    public static final String OEM_ID = "FLOTLA";
    public static final String CREATOR_ID = "FLOT";
    public static final int OEM_REVISION = 1;
    public static final int CREATOR_REVISION = 1;

    private Sdt() {}

    /** Header + body with length and checksum filled in. {@code oemTableId} is padded to 8 with spaces. */
    public static byte[] build(String signature, int revision, String oemTableId, byte[] body) {
        if (signature.length() != 4) throw new IllegalArgumentException("ACPI signature must be 4 chars: " + signature);
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + body.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(ascii(signature, 4));
        b.putInt(HEADER_SIZE + body.length);
        b.put((byte) revision);
        b.put((byte) 0);                       // checksum, below
        b.put(ascii(OEM_ID, 6));
        b.put(ascii(oemTableId, 8));
        b.putInt(OEM_REVISION);
        b.put(ascii(CREATOR_ID, 4));
        b.putInt(CREATOR_REVISION);
        b.put(body);
        byte[] t = b.array();
        t[CHECKSUM_OFFSET] = checksum(t, 0, t.length);
        return t;
    }

    /** The byte that makes [off, off+len) sum to zero when stored in place of a zero byte. */
    public static byte checksum(byte[] b, int off, int len) {
        int sum = 0;
        for (int i = off; i < off + len; i++) sum += b[i] & 0xff;
        return (byte) -sum;
    }

    static byte[] ascii(String s, int width) {
        byte[] out = new byte[width];
        java.util.Arrays.fill(out, (byte) ' ');
        byte[] src = s.getBytes(StandardCharsets.US_ASCII);
        if (src.length > width) throw new IllegalArgumentException("'" + s + "' longer than " + width);
        System.arraycopy(src, 0, out, 0, src.length);
        return out;
    }
}
