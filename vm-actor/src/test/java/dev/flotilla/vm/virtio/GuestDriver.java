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

    private final long desc;
    private final long avail;
    private final long used;

    GuestDriver(int size) {
        this(size, MEM_SIZE, DESC, AVAIL, USED);
    }

    private GuestDriver(int size, long memSize, long desc, long avail, long used) {
        this.size = size;
        this.mem = HeapGuestMemory.ofSize(memSize);
        this.layout = new QueueLayout(size, desc, avail, used);
        this.desc = desc;
        this.avail = avail;
        this.used = used;
    }

    /** A queue of up to 32768 entries in 4 MiB of RAM, rings from 1 MiB up: buffers still go from {@link #DATA}. */
    static GuestDriver large(int size) {
        return new GuestDriver(size, 4L << 20, 0x100000, 0x200000, 0x300000);
    }

    SplitQueue queue(long features, QueueMetrics metrics, java.util.function.Consumer<MalformedChain> faults) {
        return new SplitQueue(0, layout, mem, features, metrics, faults);
    }

    /** A queue of a device whose largest queue (QueueNumMax) is {@code deviceMax}. */
    SplitQueue queue(long features, QueueMetrics metrics, java.util.function.Consumer<MalformedChain> faults, int deviceMax) {
        return new SplitQueue(0, layout, mem, features, metrics, faults, deviceMax);
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
        desc(desc, i, addr, len, flags, next);
    }

    /** Puts {@code head} in the avail ring and publishes it. */
    void offer(int head) {
        mem.writeU16(GuestAddress.of(avail + 4 + 2L * (availIdx % size)), head);
        availIdx = (availIdx + 1) & 0xFFFF;
        setAvailIdx(availIdx);
    }

    void setAvailIdx(int idx) {
        availIdx = idx & 0xFFFF;
        mem.writeU16(GuestAddress.of(avail + 2), availIdx);
    }

    void setAvailFlags(int flags) {
        mem.writeU16(GuestAddress.of(avail), flags);
    }

    void setUsedEvent(int idx) {
        mem.writeU16(GuestAddress.of(avail + 4 + 2L * size), idx);
    }

    int usedIdx() {
        return mem.readU16(GuestAddress.of(used + 2));
    }

    int usedFlags() {
        return mem.readU16(GuestAddress.of(used));
    }

    int availEvent() {
        return mem.readU16(GuestAddress.of(used + 4 + 8L * size));
    }

    /** Id of used element number {@code n} (mod size). */
    int usedId(int n) {
        return mem.readU32AsInt(GuestAddress.of(used + 4 + 8L * (n % size)));
    }

    int usedLen(int n) {
        return mem.readU32AsInt(GuestAddress.of(used + 8 + 8L * (n % size)));
    }

    void fill(long addr, byte[] data) {
        mem.write(GuestAddress.of(addr), data);
    }

    byte[] bytes(long addr, int len) {
        return mem.read(GuestAddress.of(addr), len);
    }
}
