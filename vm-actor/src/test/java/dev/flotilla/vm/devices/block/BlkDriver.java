package dev.flotilla.vm.devices.block;

import static dev.flotilla.vm.virtio.DeviceStatus.ACKNOWLEDGE;
import static dev.flotilla.vm.virtio.DeviceStatus.DRIVER;
import static dev.flotilla.vm.virtio.DeviceStatus.DRIVER_OK;
import static dev.flotilla.vm.virtio.DeviceStatus.FEATURES_OK;
import static dev.flotilla.vm.virtio.MmioRegisters.*;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory;
import dev.flotilla.kvm.memory.HeapGuestMemory;
import dev.flotilla.vm.virtio.VirtioFeatures;
import dev.flotilla.vm.virtio.VirtioMmioTransport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plays a virtio-blk guest driver against a {@link VirtioBlock} through its MMIO transport, in heap
 * guest memory (or memory the test gives it): negotiates, sets up the queue, builds request chains and waits for their completion
 * (the device serves them on its real worker thread).
 */
final class BlkDriver {

    static final int QSIZE = 256;
    static final long DESC = 0x1000;
    static final long AVAIL = 0x3000;
    static final long USED = 0x4000;
    static final long DATA = 0x10000;
    static final int F_WRITE = 2;
    static final int F_NEXT = 1;
    static final int F_INDIRECT = 4;

    final GuestMemory mem;
    final VirtioMmioTransport transport;
    final AtomicInteger irqPulses = new AtomicInteger();
    private int nextDesc;
    private long dataCursor = DATA;
    private int availIdx;
    private int completed;

    /** A buffer of a request: guest address, length, device-writable or not. */
    record Buf(long addr, long len, boolean writable) {
    }

    /** A submitted request: its head descriptor, where its status byte is. */
    record Submitted(int head, long statusAddr) {
    }

    BlkDriver(VirtioBlock device, long memBytes) {
        this(device, HeapGuestMemory.ofSize(memBytes));
    }

    /** Over the caller's memory (e.g. mmap'd, for the device's host-address path); the caller closes it. */
    BlkDriver(VirtioBlock device, GuestMemory mem) {
        this.mem = mem;
        this.transport = new VirtioMmioTransport(device, mem, irqPulses::incrementAndGet);
    }

    /** Negotiates {@code features} (VERSION_1 added) and makes the queue ready; DRIVER_OK. */
    BlkDriver start(long features) {
        w(STATUS, ACKNOWLEDGE);
        w(STATUS, ACKNOWLEDGE | DRIVER);
        w(DRIVER_FEATURES_SEL, 1);
        w(DRIVER_FEATURES, (int) ((features | VirtioFeatures.VERSION_1) >>> 32));
        w(DRIVER_FEATURES_SEL, 0);
        w(DRIVER_FEATURES, (int) features);
        w(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK);
        w(QUEUE_SEL, 0);
        w(QUEUE_NUM, QSIZE);
        w(QUEUE_DESC_LOW, (int) DESC);
        w(QUEUE_DRIVER_LOW, (int) AVAIL);
        w(QUEUE_DEVICE_LOW, (int) USED);
        w(QUEUE_READY, 1);
        w(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
        if (!transport.isActivated()) throw new IllegalStateException("device did not activate: status " + r(STATUS));
        return this;
    }

    /** Every feature the device offers. */
    long offered() {
        w(DEVICE_FEATURES_SEL, 0);
        long lo = Integer.toUnsignedLong(r(DEVICE_FEATURES));
        w(DEVICE_FEATURES_SEL, 1);
        long hi = Integer.toUnsignedLong(r(DEVICE_FEATURES));
        return hi << 32 | lo;
    }

    /** Bump allocation of guest memory for buffers, 16-byte aligned. */
    long alloc(long len) {
        long a = dataCursor;
        dataCursor = (dataCursor + len + 15) & ~15L;
        if (dataCursor > mem.totalSize()) throw new IllegalStateException("test driver out of guest memory");
        return a;
    }

    void resetAllocator() {
        dataCursor = DATA;
    }

    long header(int type, long sector) {
        long h = alloc(16);
        mem.writeU32(GuestAddress.of(h), type);
        mem.writeU32(GuestAddress.of(h + 4), 0);
        mem.writeU64(GuestAddress.of(h + 8), sector);
        return h;
    }

    long status() {
        long s = alloc(1);
        mem.writeU8(GuestAddress.of(s), 0xEE);   // no status value: shows whether the device wrote it
        return s;
    }

    /** A standard request: header, one data buffer (unless len is 0), status. */
    Submitted request(int type, long sector, long dataAddr, long len, boolean dataWritable) {
        List<Buf> bufs = new ArrayList<>();
        bufs.add(new Buf(header(type, sector), 16, false));
        if (len > 0) bufs.add(new Buf(dataAddr, len, dataWritable));
        long st = status();
        bufs.add(new Buf(st, 1, true));
        return new Submitted(submit(bufs), st);
    }

    /** Chains {@code bufs} in the descriptor table, offers the chain and kicks. */
    int submit(List<Buf> bufs) {
        int head = writeChain(DESC, bufs, true);
        offer(head);
        return head;
    }

    /** Chains and publishes {@code bufs} without kicking: to queue several before one kick. */
    int submitWithoutKick(List<Buf> bufs) {
        int head = writeChain(DESC, bufs, true);
        publish(head);
        return head;
    }

    /** The same chain through one indirect descriptor pointing at a table in guest memory. */
    int submitIndirect(List<Buf> bufs) {
        long table = alloc(16L * bufs.size());
        writeChain(table, bufs, false);
        int head = takeDesc();
        desc(DESC, head, table, 16L * bufs.size(), F_INDIRECT, 0);
        offer(head);
        return head;
    }

    private int writeChain(long table, List<Buf> bufs, boolean ring) {
        int[] idx = new int[bufs.size()];
        for (int i = 0; i < idx.length; i++) idx[i] = ring ? takeDesc() : i;
        for (int i = 0; i < idx.length; i++) {
            Buf b = bufs.get(i);
            boolean last = i == idx.length - 1;
            desc(table, idx[i], b.addr(), b.len(), (b.writable() ? F_WRITE : 0) | (last ? 0 : F_NEXT), last ? 0 : idx[i + 1]);
        }
        return idx[0];
    }

    private int takeDesc() {
        int d = nextDesc;
        nextDesc = (nextDesc + 1) % QSIZE;
        return d;
    }

    void desc(long table, int i, long addr, long len, int flags, int next) {
        long d = table + 16L * i;
        mem.writeU64(GuestAddress.of(d), addr);
        mem.writeU32(GuestAddress.of(d + 8), (int) len);
        mem.writeU16(GuestAddress.of(d + 12), flags);
        mem.writeU16(GuestAddress.of(d + 14), next);
    }

    /** Publishes {@code head} in the avail ring without kicking. */
    void publish(int head) {
        mem.writeU16(GuestAddress.of(AVAIL + 4 + 2L * (availIdx % QSIZE)), head);
        availIdx = (availIdx + 1) & 0xFFFF;
        mem.writeU16(GuestAddress.of(AVAIL + 2), availIdx);
    }

    void offer(int head) {
        publish(head);
        kick();
    }

    void kick() {
        w(QUEUE_NOTIFY, 0);
    }

    int usedIdx() {
        return mem.readU16(GuestAddress.of(USED + 2));
    }

    /** Waits until {@code n} more chains are used; returns the used elements {id, len} in order. */
    List<int[]> awaitUsed(int n) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        int target = completed + n;
        while (((usedIdx() - target) & 0xFFFF) > 0x7FFF) {   // usedIdx before target, mod 2^16
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + ((usedIdx() - completed) & 0xFFFF) + " of " + n + " requests completed in 10 s");
            }
            Thread.onSpinWait();
        }
        List<int[]> out = new ArrayList<>();
        for (int k = completed; k < target; k++) {
            long e = USED + 4 + 8L * (k % QSIZE);
            out.add(new int[] {mem.readU32AsInt(GuestAddress.of(e)), mem.readU32AsInt(GuestAddress.of(e + 4))});
        }
        completed = target;
        return out;
    }

    /** Waits for one completion; returns its used length. */
    int awaitOne() {
        return awaitUsed(1).get(0)[1];
    }

    int statusOf(Submitted s) {
        return mem.readU8(GuestAddress.of(s.statusAddr()));
    }

    /** A 64-bit config field at {@code offset}, read as two 32-bit accesses (low half first) as Linux does. */
    long config64(int offset) {
        long lo = Integer.toUnsignedLong(r(CONFIG + offset));
        long hi = Integer.toUnsignedLong(r(CONFIG + offset + 4));
        return hi << 32 | lo;
    }

    int config32(int offset) {
        return r(CONFIG + offset);
    }

    int configGeneration() {
        return r(CONFIG_GENERATION);
    }

    int interruptStatus() {
        return r(INTERRUPT_STATUS);
    }

    byte[] bytes(long addr, int len) {
        return mem.read(GuestAddress.of(addr), len);
    }

    void fill(long addr, byte[] data) {
        mem.write(GuestAddress.of(addr), data);
    }

    int r(int reg) {
        byte[] b = new byte[4];
        transport.read(reg, b);
        return (b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16 | (b[3] & 0xFF) << 24;
    }

    void w(int reg, int v) {
        transport.write(reg, new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)});
    }
}
