package dev.flotilla.vm.devices.vsock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class VsockHeaderTest {

    @Test
    void encodesTheSpecLayoutLittleEndianAndPacked() {
        VsockHeader h = new VsockHeader(2, 0x1_0000_0003L, 0x4000_0000L, 5000, 0x1234, 1, VsockHeader.OP_RW, 3,
                0x40000, 0xFFFF_FFFFL);
        String hex = HexFormat.of().formatHex(h.encode());
        assertEquals(
                "0200000000000000" + "0300000001000000"   // src_cid, dst_cid (le64)
                + "00000040" + "88130000"                 // src_port, dst_port (le32)
                + "34120000"                              // len
                + "0100" + "0500"                         // type, op (le16)
                + "03000000" + "00000400" + "ffffffff",    // flags, buf_alloc, fwd_cnt
                hex);
        assertEquals(VsockHeader.SIZE, h.encode().length);
    }

    @Test
    void decodeInvertsEncodeAtAnOffset() {
        VsockHeader h = new VsockHeader(42, 2, 1234, 6000, 65536, 1, VsockHeader.OP_SHUTDOWN, 3, 262144, 99);
        byte[] buf = new byte[VsockHeader.SIZE + 7];
        h.encode(buf, 7);
        assertEquals(h, VsockHeader.decode(buf, 7));
    }

    @Test
    void everyBitPatternDecodesToUnsignedFields() {
        byte[] ones = new byte[VsockHeader.SIZE];
        java.util.Arrays.fill(ones, (byte) 0xFF);
        VsockHeader h = VsockHeader.decode(ones, 0);
        assertEquals(0xFFFF_FFFFL, h.len());
        assertEquals(0xFFFF, h.op());
        assertEquals(-1L, h.srcCid());
        assertArrayEquals(ones, h.encode());
    }

    @Test
    void refusesFieldsThatDoNotFitTheWire() {
        assertThrows(IllegalArgumentException.class, () -> new VsockHeader(2, 3, 1L << 32, 0, 0, 1, 1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new VsockHeader(2, 3, 0, 0, -1, 1, 1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new VsockHeader(2, 3, 0, 0, 0, 1, 0x10000, 0, 0, 0));
    }
}
