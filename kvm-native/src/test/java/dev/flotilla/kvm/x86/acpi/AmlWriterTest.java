package dev.flotilla.kvm.x86.acpi;

import dev.flotilla.kvm.x86.boot.VirtioSlot;
import org.junit.jupiter.api.Test;

import static dev.flotilla.kvm.x86.acpi.AmlWriter.*;
import static org.junit.jupiter.api.Assertions.*;

class AmlWriterTest {

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
        return b;
    }

    /** Decodes a PkgLength the way ACPICA does, independently of the encoder. */
    static long decodePkgLength(byte[] b) {
        int follow = (b[0] & 0xff) >>> 6;
        if (follow == 0) return b[0] & 0x3f;
        long v = b[0] & 0x0f;
        for (int k = 1; k <= follow; k++) v |= (long) (b[k] & 0xff) << (4 + 8 * (k - 1));
        return v;
    }

    @Test
    void pkgLengthBoundaries() {
        // encoded value = content + own size; 1 byte holds up to 63
        assertArrayEquals(bytes(0x3f), pkgLength(62));
        assertArrayEquals(bytes(0x41, 0x04), pkgLength(63));              // 65 = 0x041
        assertArrayEquals(bytes(0x42, 0x04), pkgLength(64));
        assertArrayEquals(bytes(0x4f, 0xff), pkgLength(4093));            // 4095: the 2-byte maximum
        assertArrayEquals(bytes(0x81, 0x00, 0x01), pkgLength(4094));      // 4097 needs 3 bytes
        assertArrayEquals(bytes(0x83, 0x00, 0x01), pkgLength(4096));
        assertArrayEquals(bytes(0x8f, 0xff, 0xff), pkgLength((1 << 20) - 4));
        assertArrayEquals(bytes(0xc4, 0x00, 0x00, 0x01), pkgLength((1 << 20) - 0));
        assertThrows(IllegalArgumentException.class, () -> pkgLength(1 << 28));
    }

    @Test
    void pkgLengthRoundTripsAcrossEveryWidth() {
        for (int content = 0; content < 70_000; content++) {
            byte[] e = pkgLength(content);
            assertEquals(content + e.length, decodePkgLength(e), "content " + content);
        }
    }

    @Test
    void bufferOfExactly63And64And4095And4096BytesHasConsistentLength() {
        for (int n : new int[] {60, 61, 62, 63, 64, 4090, 4091, 4092, 4093, 4095, 4096}) {
            byte[] buf = buffer(new byte[n]);
            assertEquals(BUFFER_OP, buf[0]);
            byte[] rest = java.util.Arrays.copyOfRange(buf, 1, buf.length);
            assertEquals(buf.length - 1, decodePkgLength(rest), "buffer of " + n);
        }
    }

    @Test
    void nameSegsArePaddedWithUnderscore() {
        assertArrayEquals("_SB_".getBytes(), nameSeg("_SB"));
        assertArrayEquals("V0__".getBytes(), nameSeg("V0"));
        assertArrayEquals("COM1".getBytes(), nameSeg("COM1"));
        assertThrows(IllegalArgumentException.class, () -> nameSeg("TOOLONG"));
        assertThrows(IllegalArgumentException.class, () -> nameSeg("1ABC"));
        assertThrows(IllegalArgumentException.class, () -> nameSeg("ab"));
    }

    @Test
    void namePathsUseRootDualAndMultiPrefixes() {
        assertArrayEquals(bytes('\\', '_', 'S', 'B', '_'), nameString("\\_SB"));
        assertArrayEquals(bytes('\\', 0x2e, '_', 'S', 'B', '_', 'C', 'O', 'M', '1'), nameString("\\_SB_.COM1"));
        assertArrayEquals(bytes(0x2f, 3, 'A', '_', '_', '_', 'B', '_', '_', '_', 'C', '_', '_', '_'),
                nameString("A.B.C"));
        assertArrayEquals(bytes('^', '^', 'X', '_', '_', '_'), nameString("^^X"));
        assertArrayEquals(bytes('\\', 0), nameString("\\"));
    }

    @Test
    void integersUseTheShortestEncoding() {
        assertArrayEquals(bytes(0x00), integer(0));
        assertArrayEquals(bytes(0x01), integer(1));
        assertArrayEquals(bytes(0x0a, 0x0f), integer(15));
        assertArrayEquals(bytes(0x0b, 0x00, 0x01), integer(256));
        assertArrayEquals(bytes(0x0c, 0x00, 0x10, 0x00, 0xc0), integer(0xC000_1000L));
        assertArrayEquals(bytes(0x0e, 0, 0, 0, 0, 1, 0, 0, 0), integer(1L << 32));
        assertArrayEquals(bytes(0x0d, 'L', 'N', 'R', 'O', 0), string("LNRO"));
    }

    @Test
    void eisaIdsCompressLikeIasl() {
        assertArrayEquals(bytes(0x0c, 0x41, 0xd0, 0x05, 0x01), eisaId("PNP0501"));   // 0x0105D041
        assertArrayEquals(bytes(0x0c, 0x41, 0xd0, 0x03, 0x03), eisaId("PNP0303"));   // 0x0303D041
        assertArrayEquals(bytes(0x0c, 0x41, 0xd0, 0x0a, 0x06), eisaId("PNP0A06"));
    }

    @Test
    void methodAndReturnEncoding() {
        // Method(_STA, 0, NotSerialized) { Return (0x0F) }
        assertArrayEquals(bytes(0x14, 0x09, '_', 'S', 'T', 'A', 0x00, 0xa4, 0x0a, 0x0f),
                method("_STA", 0, false, returnOf(byteConst(0x0f))));
        assertEquals(0x0b, method("M", 3, true)[6]);   // 3 args | Serialized
    }

    @Test
    void virtioDeviceMatchesHandAssembledBytes() {
        // Device (V000) { Name (_HID, "LNRO0005") Name (_UID, Zero) Name (_CCA, One)
        //   Name (_CRS, ResourceTemplate () { Memory32Fixed (ReadWrite, 0xC0001000, 0x00001000)
        //                                     Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) {5} }) }
        // The body is 63 bytes, so the device's PkgLength just needs its 2-byte form: 63 + 2 = 0x041.
        byte[] expected = bytes(
                0x5b, 0x82, 0x41, 0x04, 'V', '0', '0', '0',
                0x08, '_', 'H', 'I', 'D', 0x0d, 'L', 'N', 'R', 'O', '0', '0', '0', '5', 0x00,
                0x08, '_', 'U', 'I', 'D', 0x00,
                0x08, '_', 'C', 'C', 'A', 0x01,
                0x08, '_', 'C', 'R', 'S',
                0x11, 0x1a, 0x0a, 0x17,
                0x86, 0x09, 0x00, 0x01, 0x00, 0x10, 0x00, 0xc0, 0x00, 0x10, 0x00, 0x00,
                0x89, 0x06, 0x00, 0x03, 0x01, 0x05, 0x00, 0x00, 0x00,
                0x79, 0x7f);
        assertArrayEquals(expected, Dsdt.virtioMmio(VirtioSlot.of(0)));
    }

    @Test
    void resourceTemplateEndTagChecksumZeroesTheSum() {
        byte[] buf = ResourceTemplate.of(ResourceTemplate.io(0x3f8, 0x3f8, 1, 8),
                ResourceTemplate.interrupt(true, true, false, false, 4));
        int descStart = 4;   // BufferOp, 1-byte PkgLength, BytePrefix, size
        assertEquals(buf.length - descStart, buf[3] & 0xff);
        int sum = 0;
        for (int i = descStart; i < buf.length; i++) sum += buf[i] & 0xff;
        assertEquals(0, sum & 0xff);
        assertEquals(0x79, buf[buf.length - 2] & 0xff);
    }

    @Test
    void ioDescriptorLayout() {
        assertArrayEquals(bytes(0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08), ResourceTemplate.io(0x3f8, 0x3f8, 1, 8));
        assertArrayEquals(bytes(0x89, 0x06, 0x00, 0x0f, 0x01, 0x17, 0, 0, 0),
                ResourceTemplate.interrupt(true, true, true, true, 23));
    }
}
