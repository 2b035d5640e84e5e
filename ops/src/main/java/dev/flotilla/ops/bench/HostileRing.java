package dev.flotilla.ops.bench;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory;
import dev.flotilla.vm.virtio.QueueLayout;
import dev.flotilla.vm.virtio.QueueMetrics;
import dev.flotilla.vm.virtio.SplitQueue;

/**
 * The driver's side of one split queue as a hostile guest writes it, straight into guest memory: the
 * inputs of {@code flotilla bench hostile}. Descriptors and indirect tables are written by hand, so a
 * benchmark can build what no honest driver sends (tables longer than the queue, one buffer named
 * many times over).
 */
final class HostileRing {

    static final int F_NEXT = 1;
    static final int F_WRITE = 2;
    static final int F_INDIRECT = 4;

    private final GuestMemory mem;
    private final QueueLayout layout;
    private final QueueMetrics metrics = new QueueMetrics();
    private int availIdx;

    /** A queue of {@code size} entries whose rings take the 3 pages (or more) from {@code base}. */
    HostileRing(GuestMemory mem, int size, long base) {
        this.mem = mem;
        long desc = base;
        long avail = desc + 16L * size;
        long used = (avail + 6 + 2L * size + 3) & ~3L;
        this.layout = new QueueLayout(size, desc, avail, used);
    }

    /** Bytes the rings of a queue of {@code size} take from their base. */
    static long footprint(int size) {
        return 16L * size + 6 + 2L * size + 8 + 6 + 8L * size + 16;
    }

    QueueMetrics metrics() {
        return metrics;
    }

    SplitQueue queue(int index, long features) {
        return new SplitQueue(index, layout, mem, features, metrics, fault -> { });
    }

    /** Descriptor {@code i} of the table at {@code table}. */
    void desc(long table, int i, long addr, long len, int flags, int next) {
        long d = table + 16L * i;
        mem.writeU64(GuestAddress.of(d), addr);
        mem.writeU32(GuestAddress.of(d + 8), (int) len);
        mem.writeU16(GuestAddress.of(d + 12), flags);
        mem.writeU16(GuestAddress.of(d + 14), next);
    }

    /** Descriptor {@code i} of the queue's own table. */
    void desc(int i, long addr, long len, int flags, int next) {
        desc(layout.descTable(), i, addr, len, flags, next);
    }

    /** Makes {@code head} available and publishes the index. */
    void offer(int head) {
        mem.writeU16(GuestAddress.of(layout.availRing() + 4 + 2L * (availIdx % layout.size())), head);
        availIdx = (availIdx + 1) & 0xFFFF;
        mem.writeU16(GuestAddress.of(layout.availRing() + 2), availIdx);
    }

    /** used.idx as the device last published it. */
    int usedIdx() {
        return mem.readU16(GuestAddress.of(layout.usedRing() + 2));
    }
}
