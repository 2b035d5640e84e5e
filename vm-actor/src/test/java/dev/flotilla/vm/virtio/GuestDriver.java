package dev.flotilla.vm.virtio;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.HeapGuestMemory;

/** Plays the guest driver's side of one split queue in heap guest memory: for queue tests. */
final class GuestDriver {

    static final long MEM_SIZE = 1 << 20;
    static final long DESC = 0x1000;
    static final long AVAIL = 0x9000;
    static final long USED = 0xA000;
    /** Buffers and indirect tables go from here. */
    static final long DATA = 0x20000;

    final HeapGuestMemory mem;
    final QueueLayout layout;
    final int size;
    private int availIdx;

    GuestDriver(int size) {
        this.size = size;
        this.mem = HeapGuestMemory.ofSize(MEM_SIZE);
        this.layout = new QueueLayout(size, DESC, AVAIL, USED);
    }

    SplitQueue queue(long features, QueueMetrics metrics, java.util.function.Consumer<MalformedChain> faults) {
        return new SplitQueue(0, layout, mem, features, metrics, faults);
    }

    /** Writes descriptor {@code i} of the table at {@code table}. */
    void desc(long table, int i, long addr, long len, int flags, int next) {
        long d = table + 16L * i;
        mem.writeU64(GuestAddress.of(d), addr);
        mem.writeU32(GuestAddress.of(d + 8), (int) len);
        mem.writeU16(GuestAddress.of(d + 12), flags);
        mem.writeU16(GuestAddress.of(d + 14), next);
    }

    void desc(int i, long addr, long len, int flags, int next) {
        desc(DESC, i, addr, len, flags, next);
    }

    /** Puts {@code head} in the avail ring and publishes it. */
    void offer(int head) {
        mem.writeU16(GuestAddress.of(AVAIL + 4 + 2L * (availIdx % size)), head);
        availIdx = (availIdx + 1) & 0xFFFF;
        setAvailIdx(availIdx);
    }

    void setAvailIdx(int idx) {
        availIdx = idx & 0xFFFF;
        mem.writeU16(GuestAddress.of(AVAIL + 2), availIdx);
    }

    void setAvailFlags(int flags) {
        mem.writeU16(GuestAddress.of(AVAIL), flags);
    }

    void setUsedEvent(int idx) {
        mem.writeU16(GuestAddress.of(AVAIL + 4 + 2L * size), idx);
    }

    int usedIdx() {
        return mem.readU16(GuestAddress.of(USED + 2));
    }

    int usedFlags() {
        return mem.readU16(GuestAddress.of(USED));
    }

    int availEvent() {
        return mem.readU16(GuestAddress.of(USED + 4 + 8L * size));
    }

    /** Id of used element number {@code n} (mod size). */
    int usedId(int n) {
        return mem.readU32AsInt(GuestAddress.of(USED + 4 + 8L * (n % size)));
    }

    int usedLen(int n) {
        return mem.readU32AsInt(GuestAddress.of(USED + 8 + 8L * (n % size)));
    }

    void fill(long addr, byte[] data) {
        mem.write(GuestAddress.of(addr), data);
    }

    byte[] bytes(long addr, int len) {
        return mem.read(GuestAddress.of(addr), len);
    }
}
