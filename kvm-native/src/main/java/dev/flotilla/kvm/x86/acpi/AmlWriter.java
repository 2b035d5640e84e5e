package dev.flotilla.kvm.x86.acpi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Encodes the small subset of AML (ACPI spec, chapter 20) a microVM's DSDT needs: names and paths,
 * integer and string constants, Name, Scope, Device, Method, Return, Buffer and Package. Every method
 * returns the complete encoding of one term, so terms compose by nesting calls; containers compute their
 * PkgLength from the already-encoded body.
 */
public final class AmlWriter {

    public static final int ZERO_OP = 0x00, ONE_OP = 0x01, ONES_OP = 0xff;
    public static final int NAME_OP = 0x08;
    public static final int BYTE_PREFIX = 0x0a, WORD_PREFIX = 0x0b, DWORD_PREFIX = 0x0c, STRING_PREFIX = 0x0d,
            QWORD_PREFIX = 0x0e;
    public static final int SCOPE_OP = 0x10, BUFFER_OP = 0x11, PACKAGE_OP = 0x12, METHOD_OP = 0x14;
    public static final int RETURN_OP = 0xa4;
    public static final int EXT_OP_PREFIX = 0x5b, DEVICE_OP = 0x82;
    public static final int DUAL_NAME_PREFIX = 0x2e, MULTI_NAME_PREFIX = 0x2f;
    public static final int ROOT_CHAR = '\\', PARENT_PREFIX = '^';
    /** PkgLength counts itself; 4 bytes give 28 bits. */
    public static final int MAX_PKG_LENGTH = (1 << 28) - 1;

    private AmlWriter() {}

    /** A NameSeg: 1-4 characters (leading A-Z or '_', then A-Z, 0-9, '_'), padded to 4 with '_'. */
    public static byte[] nameSeg(String seg) {
        if (seg.isEmpty() || seg.length() > 4) throw new IllegalArgumentException("AML NameSeg must be 1-4 chars: '" + seg + "'");
        byte[] out = {'_', '_', '_', '_'};
        for (int i = 0; i < seg.length(); i++) {
            char c = seg.charAt(i);
            boolean ok = c == '_' || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
            if (!ok) throw new IllegalArgumentException("invalid character '" + c + "' in AML NameSeg '" + seg + "'");
            out[i] = (byte) c;
        }
        return out;
    }

    /**
     * A NameString: optional root ('\') or parent ('^'...) prefix, then '.'-separated segments —
     * one segment as is, two with DualNamePrefix, more with MultiNamePrefix + count; none is NullName.
     */
    public static byte[] nameString(String path) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        if (path.startsWith("\\")) {
            out.write(ROOT_CHAR);
            i = 1;
        } else {
            while (i < path.length() && path.charAt(i) == '^') {
                out.write(PARENT_PREFIX);
                i++;
            }
        }
        String rest = path.substring(i);
        String[] segs = rest.isEmpty() ? new String[0] : rest.split("\\.", -1);
        if (segs.length > 255) throw new IllegalArgumentException("AML name path too deep: " + path);
        if (segs.length == 0) out.write(0x00);
        else if (segs.length == 2) out.write(DUAL_NAME_PREFIX);
        else if (segs.length > 2) {
            out.write(MULTI_NAME_PREFIX);
            out.write(segs.length);
        }
        for (String s : segs) out.writeBytes(nameSeg(s));
        return out.toByteArray();
    }

    /**
     * The PkgLength for a package whose content (after the PkgLength) is {@code contentLength} bytes.
     * The encoded value includes the PkgLength bytes themselves: 1 byte up to 63, then 2, 3 or 4 bytes
     * with the byte count in bits 7-6 of the lead byte and its low nibble holding the lowest 4 bits.
     */
    public static byte[] pkgLength(int contentLength) {
        if (contentLength < 0) throw new IllegalArgumentException("negative AML package length");
        if (contentLength + 1 <= 0x3f) return new byte[] {(byte) (contentLength + 1)};
        for (int n = 2; n <= 4; n++) {
            long total = (long) contentLength + n;
            if (total < 1L << (4 + 8 * (n - 1))) {
                byte[] out = new byte[n];
                out[0] = (byte) (((n - 1) << 6) | (total & 0xf));
                for (int k = 1; k < n; k++) out[k] = (byte) (total >>> (4 + 8 * (k - 1)));
                return out;
            }
        }
        throw new IllegalArgumentException("AML package of " + contentLength + " bytes exceeds the 28-bit PkgLength");
    }

    /** The shortest encoding of an unsigned integer: ZeroOp, OneOp, or a Byte/Word/DWord/QWord constant. */
    public static byte[] integer(long v) {
        if (v == 0) return new byte[] {ZERO_OP};
        if (v == 1) return new byte[] {ONE_OP};
        if (v > 0 && v <= 0xff) return byteConst((int) v);
        if (v > 0 && v <= 0xffff) return wordConst((int) v);
        if (v > 0 && v <= 0xffff_ffffL) return dwordConst(v);
        return qwordConst(v);
    }

    public static byte[] byteConst(int v) {
        checkRange(v, 0xff, "ByteConst");
        return new byte[] {BYTE_PREFIX, (byte) v};
    }

    public static byte[] wordConst(int v) {
        checkRange(v, 0xffff, "WordConst");
        return new byte[] {WORD_PREFIX, (byte) v, (byte) (v >>> 8)};
    }

    public static byte[] dwordConst(long v) {
        checkRange(v, 0xffff_ffffL, "DWordConst");
        return new byte[] {DWORD_PREFIX, (byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    public static byte[] qwordConst(long v) {
        byte[] out = new byte[9];
        out[0] = QWORD_PREFIX;
        for (int i = 0; i < 8; i++) out[1 + i] = (byte) (v >>> (8 * i));
        return out;
    }

    /** A String constant: ASCII characters 0x01-0x7F and a NUL. */
    public static byte[] string(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0 || c > 0x7f) throw new IllegalArgumentException("AML strings are ASCII without NUL: '" + s + "'");
        }
        byte[] chars = s.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[chars.length + 2];
        out[0] = STRING_PREFIX;
        System.arraycopy(chars, 0, out, 1, chars.length);
        return out;
    }

    /**
     * A compressed EISA ID ("PNP0501") as a DWord constant, what ASL's {@code EisaId()} produces: three
     * letters in 5 bits each ('A' = 1) then four hex digits, stored big-endian.
     */
    public static byte[] eisaId(String id) {
        if (!id.matches("[A-Z]{3}[0-9A-F]{4}")) {
            throw new IllegalArgumentException("EISA ID must be 3 capital letters + 4 hex digits: '" + id + "'");
        }
        int c1 = id.charAt(0) - 0x40, c2 = id.charAt(1) - 0x40, c3 = id.charAt(2) - 0x40;
        int product = Integer.parseInt(id.substring(3), 16);
        int b0 = (c1 << 2) | (c2 >> 3);
        int b1 = ((c2 & 7) << 5) | c3;
        long value = b0 | (b1 << 8) | ((product >> 8) << 16) | ((long) (product & 0xff) << 24);
        return dwordConst(value);
    }

    /** Name(name, value). */
    public static byte[] name(String name, byte[] value) {
        return concat(new byte[] {NAME_OP}, nameString(name), value);
    }

    /** Scope(name) { terms }. */
    public static byte[] scope(String name, byte[]... terms) {
        return pkg(new byte[] {SCOPE_OP}, concat(nameString(name), concat(terms)));
    }

    /** Device(name) { terms }. */
    public static byte[] device(String name, byte[]... terms) {
        return pkg(new byte[] {EXT_OP_PREFIX, (byte) DEVICE_OP}, concat(nameString(name), concat(terms)));
    }

    /** Method(name, argCount, Serialized|NotSerialized) { terms }, sync level 0. */
    public static byte[] method(String name, int argCount, boolean serialized, byte[]... terms) {
        if (argCount < 0 || argCount > 7) throw new IllegalArgumentException("AML methods take 0-7 arguments");
        byte flags = (byte) (argCount | (serialized ? 0x08 : 0));
        return pkg(new byte[] {METHOD_OP}, concat(nameString(name), new byte[] {flags}, concat(terms)));
    }

    /** Return(value). */
    public static byte[] returnOf(byte[] value) {
        return concat(new byte[] {(byte) RETURN_OP}, value);
    }

    /** Buffer(size) { data } with the size as an integer term. */
    public static byte[] buffer(byte[] data) {
        return pkg(new byte[] {BUFFER_OP}, concat(integer(data.length), data));
    }

    /** Package(n) { elements }. */
    public static byte[] packageOf(byte[]... elements) {
        if (elements.length > 255) throw new IllegalArgumentException("AML Package holds at most 255 elements");
        return pkg(new byte[] {PACKAGE_OP}, concat(new byte[] {(byte) elements.length}, concat(elements)));
    }

    public static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int pos = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, pos, p.length);
            pos += p.length;
        }
        return out;
    }

    private static byte[] pkg(byte[] opcode, byte[] content) {
        return concat(opcode, pkgLength(content.length), content);
    }

    private static void checkRange(long v, long max, String what) {
        if (v < 0 || v > max) throw new IllegalArgumentException(what + " out of range: " + v);
    }
}
