package dev.flotilla.vm.devices.vsock;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Plays the guest driver against a {@link VsockMuxer}: sends packets and drains the rx side into arrays. */
final class FakeGuest {

    static final long CID = 42;

    /** A packet the device delivered. */
    record Delivered(VsockHeader header, byte[] payload) {}

    /** The epoll interest the muxer asked for, by fd (absent = not registered). */
    final Map<Integer, Integer> interest = new HashMap<>();
    final VsockMuxer.Watcher watcher = new VsockMuxer.Watcher() {
        @Override
        public void watch(int fd, int events, long token) {
            if (interest.put(fd, events) != null) throw new AssertionError("fd " + fd + " watched twice");
        }

        @Override
        public void change(int fd, int events, long token) {
            if (interest.put(fd, events) == null) throw new AssertionError("fd " + fd + " changed but not watched");
        }

        @Override
        public void unwatch(int fd) {
            if (interest.remove(fd) == null) throw new AssertionError("fd " + fd + " unwatched but not watched");
        }
    };

    long bufAlloc = 256 * 1024;
    long fwdCnt;
    int rxBufferSize = 4096 + VsockHeader.SIZE;

    VsockHeader header(int op, long srcPort, long dstPort, long len, long flags) {
        return new VsockHeader(CID, VsockHeader.HOST_CID, srcPort, dstPort, len, VsockHeader.TYPE_STREAM, op, flags,
                bufAlloc, fwdCnt);
    }

    void send(VsockMuxer m, int op, long srcPort, long dstPort) {
        m.onGuestPacket(header(op, srcPort, dstPort, 0, 0), new byte[0], 0);
    }

    void sendData(VsockMuxer m, long srcPort, long dstPort, byte[] data) {
        m.onGuestPacket(header(VsockHeader.OP_RW, srcPort, dstPort, data.length, 0), data, 0);
    }

    /** One rx buffer's worth, or null if the device had nothing. */
    Delivered receive(VsockMuxer m) {
        byte[] buf = new byte[rxBufferSize];
        int n = m.fillRx(new PacketSink() {
            @Override
            public int capacity() {
                return buf.length;
            }

            @Override
            public void write(int at, byte[] src, int off, int len) {
                System.arraycopy(src, off, buf, at, len);
            }
        });
        if (n == 0) return null;
        VsockHeader h = VsockHeader.decode(buf, 0);
        if (n != VsockHeader.SIZE + h.len()) throw new AssertionError("length " + n + " disagrees with " + h);
        return new Delivered(h, Arrays.copyOfRange(buf, VsockHeader.SIZE, n));
    }

    /** Everything the device has for us right now (bounded, so a runaway device fails the test). */
    List<Delivered> drain(VsockMuxer m) {
        List<Delivered> out = new ArrayList<>();
        Delivered d;
        while ((d = receive(m)) != null) {
            out.add(d);
            if (out.size() > 100_000) throw new AssertionError("device keeps producing packets");
        }
        return out;
    }
}
