package dev.flotilla.vm.devices.net;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.HeapGuestMemory;
import dev.flotilla.vm.virtio.QueueLayout;
import dev.flotilla.vm.virtio.QueueMetrics;
import dev.flotilla.vm.virtio.SplitQueue;
import java.util.ArrayList;
import java.util.List;

/** The guest driver's side of a virtio-net device's two queues, in heap guest memory: for device tests. */
final class GuestRings {

    static final long MEM_SIZE = 4L << 20;
    static final int SIZE = 256;

    final HeapGuestMemory mem = HeapGuestMemory.ofSize(MEM_SIZE);
    final Ring rx = new Ring(0, 0x1000, 0x2000, 0x3000);
    final Ring tx = new Ring(1, 0x5000, 0x6000, 0x7000);
    private long nextBuffer = 0x10000;
    final List<String> faults = new ArrayList<>();

    /** Guest memory for a buffer of {@code len} bytes. */
    long alloc(int len) {
        long a = nextBuffer;
        nextBuffer = (nextBuffer + len + 15) & ~15L;
        if (nextBuffer > MEM_SIZE) throw new IllegalStateException("test guest memory exhausted");
        return a;
    }

    /** One buffer of a chain: readable (device reads it) or writable. */
    record Seg(long addr, long len, boolean writable) {
        static Seg out(long addr, long len) {
            return new Seg(addr, len, false);
        }

        static Seg in(long addr, long len) {
            return new Seg(addr, len, true);
        }
    }

    final class Ring {
        final int index;
        final long desc;
        final long avail;
        final long used;
        private int nextDesc;
        private int availIdx;
        final QueueMetrics metrics = new QueueMetrics();

        Ring(int index, long desc, long avail, long used) {
            this.index = index;
            this.desc = desc;
            this.avail = avail;
            this.used = used;
        }

        SplitQueue queue(long features) {
            return new SplitQueue(index, new QueueLayout(SIZE, desc, avail, used), mem, features, metrics,
                    f -> faults.add(f.toString()));
        }

        /** Writes a chain of descriptors and makes it available; returns its head. */
        int offer(Seg... segs) {
            int head = nextDesc;
            for (int i = 0; i < segs.length; i++) {
                int d = (head + i) % SIZE;
                boolean last = i == segs.length - 1;
                long at = desc + 16L * d;
                mem.writeU64(GuestAddress.of(at), segs[i].addr());
                mem.writeU32(GuestAddress.of(at + 8), (int) segs[i].len());
                mem.writeU16(GuestAddress.of(at + 12), (last ? 0 : 1) | (segs[i].writable() ? 2 : 0));
                mem.writeU16(GuestAddress.of(at + 14), last ? 0 : (d + 1) % SIZE);
            }
            nextDesc = (head + segs.length) % SIZE;
            mem.writeU16(GuestAddress.of(avail + 4 + 2L * (availIdx % SIZE)), head);
            availIdx = (availIdx + 1) & 0xFFFF;
            mem.writeU16(GuestAddress.of(avail + 2), availIdx);
            return head;
        }

        /** A receive buffer of {@code len} writable bytes; returns its guest address. */
        long offerRxBuffer(int len) {
            long a = alloc(len);
            offer(Seg.in(a, len));
            return a;
        }

        /** A transmit chain: a separate header buffer and the frame, as drivers without ANY_LAYOUT habits send. */
        int offerTxFrame(byte[] frame) {
            long h = alloc(NetHeader.SIZE);
            long f = alloc(frame.length);
            mem.write(GuestAddress.of(f), frame);
            return offer(Seg.out(h, NetHeader.SIZE), Seg.out(f, frame.length));
        }

        int usedIdx() {
            return mem.readU16(GuestAddress.of(used + 2));
        }

        int usedId(int n) {
            return mem.readU32AsInt(GuestAddress.of(used + 4 + 8L * (n % SIZE)));
        }

        int usedLen(int n) {
            return mem.readU32AsInt(GuestAddress.of(used + 8 + 8L * (n % SIZE)));
        }
    }

    byte[] read(long addr, int len) {
        return mem.read(GuestAddress.of(addr), len);
    }

    static byte[] frame(int len, int seed) {
        byte[] f = new byte[len];
        for (int i = 0; i < len; i++) f[i] = (byte) (seed * 31 + i * 7);
        return f;
    }
}
