package dev.flotilla.vm.devices.vsock;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 44-byte virtio-vsock packet header (virtio 1.2 §5.10.6, struct virtio_vsock_hdr, little endian,
 * packed): addresses, payload length, socket type, operation, and the sender's credit state
 * ({@code bufAlloc}: its receive buffer for this connection; {@code fwdCnt}: bytes it has consumed
 * from it). Counters are u32 on the wire and kept here as non-negative longs; ports are u32 too.
 */
public record VsockHeader(long srcCid, long dstCid, long srcPort, long dstPort, long len, int type, int op,
                          long flags, long bufAlloc, long fwdCnt) {

    public static final int SIZE = 44;

    /** The host's CID: every guest connection the device carries has the host at its other end. */
    public static final long HOST_CID = 2;

    public static final int TYPE_STREAM = 1;

    public static final int OP_INVALID = 0;
    public static final int OP_REQUEST = 1;
    public static final int OP_RESPONSE = 2;
    public static final int OP_RST = 3;
    public static final int OP_SHUTDOWN = 4;
    public static final int OP_RW = 5;
    public static final int OP_CREDIT_UPDATE = 6;
    public static final int OP_CREDIT_REQUEST = 7;

    /** SHUTDOWN flags: the sender will receive no more data / send no more data. */
    public static final long SHUTDOWN_RCV = 1;
    public static final long SHUTDOWN_SEND = 2;

    private static final long U32 = 0xFFFF_FFFFL;

    public VsockHeader {
        checkU32("src_port", srcPort);
        checkU32("dst_port", dstPort);
        checkU32("len", len);
        checkU32("flags", flags);
        checkU32("buf_alloc", bufAlloc);
        checkU32("fwd_cnt", fwdCnt);
        if (type < 0 || type > 0xFFFF || op < 0 || op > 0xFFFF) {
            throw new IllegalArgumentException("vsock header: type " + type + " / op " + op + " do not fit u16");
        }
    }

    private static void checkU32(String field, long v) {
        if ((v & ~U32) != 0) throw new IllegalArgumentException("vsock header: " + field + " " + v + " does not fit u32");
    }

    /** A host → guest packet of the stream type with the host's credit state. */
    public static VsockHeader toGuest(long guestCid, long hostPort, long guestPort, int op, long len, long flags,
                                      long bufAlloc, long fwdCnt) {
        return new VsockHeader(HOST_CID, guestCid, hostPort, guestPort, len, TYPE_STREAM, op, flags,
                bufAlloc, fwdCnt & U32);
    }

    /** Decodes {@code b[off, off+44)}; every bit pattern decodes (validation is the receiver's job). */
    public static VsockHeader decode(byte[] b, int off) {
        ByteBuffer bb = ByteBuffer.wrap(b, off, SIZE).slice().order(ByteOrder.LITTLE_ENDIAN);
        return new VsockHeader(bb.getLong(0), bb.getLong(8), u32(bb, 16), u32(bb, 20), u32(bb, 24),
                Short.toUnsignedInt(bb.getShort(28)), Short.toUnsignedInt(bb.getShort(30)), u32(bb, 32),
                u32(bb, 36), u32(bb, 40));
    }

    private static long u32(ByteBuffer bb, int at) {
        return Integer.toUnsignedLong(bb.getInt(at));
    }

    /** Encodes into {@code b[off, off+44)}. */
    public void encode(byte[] b, int off) {
        ByteBuffer bb = ByteBuffer.wrap(b, off, SIZE).slice().order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(0, srcCid).putLong(8, dstCid).putInt(16, (int) srcPort).putInt(20, (int) dstPort)
                .putInt(24, (int) len).putShort(28, (short) type).putShort(30, (short) op)
                .putInt(32, (int) flags).putInt(36, (int) bufAlloc).putInt(40, (int) fwdCnt);
    }

    public byte[] encode() {
        byte[] b = new byte[SIZE];
        encode(b, 0);
        return b;
    }

    public static String opName(int op) {
        return switch (op) {
            case OP_REQUEST -> "REQUEST";
            case OP_RESPONSE -> "RESPONSE";
            case OP_RST -> "RST";
            case OP_SHUTDOWN -> "SHUTDOWN";
            case OP_RW -> "RW";
            case OP_CREDIT_UPDATE -> "CREDIT_UPDATE";
            case OP_CREDIT_REQUEST -> "CREDIT_REQUEST";
            default -> "op" + op;
        };
    }

    @Override
    public String toString() {
        return opName(op) + " " + srcCid + ":" + srcPort + " -> " + dstCid + ":" + dstPort + " len=" + len
                + " type=" + type + " flags=" + flags + " buf_alloc=" + bufAlloc + " fwd_cnt=" + fwdCnt;
    }
}
