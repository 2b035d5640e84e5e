package dev.flotilla.vm.devices;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.HeapGuestMemory;
import dev.flotilla.vm.virtio.ActivatedQueues;
import dev.flotilla.vm.virtio.Interrupts;
import dev.flotilla.vm.virtio.QueueLayout;
import dev.flotilla.vm.virtio.QueueMetrics;
import dev.flotilla.vm.virtio.SplitQueue;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plays a virtio driver for device tests without KVM: split queues in heap guest memory, one data slot per
 * descriptor pair, chains of one readable and/or one writable buffer, and polling of the used rings. The
 * device under test runs its real worker thread; this side runs on the test thread.
 */
public final class FakeVirtioDriver implements Interrupts {

    public static final int QUEUE_SIZE = 64;
    public static final int SLOT = 72 * 1024;
    private static final long RINGS = 0x1000;
    private static final long RING_STRIDE = 0x4000;
    private static final long DATA = 0x100000;

    /** A completed chain: its head, the length the device wrote, and the writable buffer's bytes. */
    public record Used(int head, int len, byte[] written) {}

    public final HeapGuestMemory mem;
    private final int queues;
    private final QueueLayout[] layouts;
    private final int[] availIdx;
    private final int[] usedSeen;
    private final List<ArrayDeque<Integer>> freeHeads = new ArrayList<>();
    private final int[][] writableLen;
    public final AtomicInteger configChanges = new AtomicInteger();
    public final AtomicInteger usedInterrupts = new AtomicInteger();
    public volatile String needsReset;

    public FakeVirtioDriver(int queues) {
        this(queues, DATA + (long) queues * QUEUE_SIZE * SLOT);
    }

    public FakeVirtioDriver(int queues, long memSize) {
        this.queues = queues;
        this.mem = HeapGuestMemory.ofSize(memSize);
        this.layouts = new QueueLayout[queues];
        this.availIdx = new int[queues];
        this.usedSeen = new int[queues];
        this.writableLen = new int[queues][QUEUE_SIZE];
        for (int q = 0; q < queues; q++) {
            long base = RINGS + q * RING_STRIDE;
            layouts[q] = new QueueLayout(QUEUE_SIZE, base, base + 0x1000, base + 0x2000);
            ArrayDeque<Integer> free = new ArrayDeque<>();
            for (int i = 0; i < QUEUE_SIZE; i += 2) free.add(i);   // a chain uses descriptors i and i+1
            freeHeads.add(free);
        }
    }

    /** The queues as the transport would hand them to {@code activate}. */
    public ActivatedQueues activatedQueues(long features) {
        SplitQueue[] qs = new SplitQueue[queues];
        for (int q = 0; q < queues; q++) {
            qs[q] = new SplitQueue(q, layouts[q], mem, features, new QueueMetrics(), f -> { });
        }
        return new ActivatedQueues(qs, features);
    }

    private long slot(int q, int head) {
        return DATA + ((long) q * QUEUE_SIZE + head / 2) * SLOT;
    }

    /** True if queue {@code q} has a free descriptor pair. */
    public boolean canOffer(int q) {
        return !freeHeads.get(q).isEmpty();
    }

    /**
     * Makes a chain available on queue {@code q}: {@code readable} (if not empty) then {@code writable}
     * device-writable bytes (if > 0). Returns the head.
     */
    public int offer(int q, byte[] readable, int writable) {
        if (readable.length + writable > SLOT) throw new IllegalArgumentException("chain larger than a slot");
        Integer head = freeHeads.get(q).poll();
        if (head == null) throw new IllegalStateException("queue " + q + " is full");
        long data = slot(q, head);
        long desc = layouts[q].descTable();
        int first = head;
        if (readable.length > 0 && writable > 0) {
            mem.write(GuestAddress.of(data), readable);
            desc(desc, head, data, readable.length, 1, head + 1);
            desc(desc, head + 1, data + readable.length, writable, 2, 0);
        } else if (readable.length > 0) {
            mem.write(GuestAddress.of(data), readable);
            desc(desc, head, data, readable.length, 0, 0);
        } else {
            desc(desc, head, data, writable, 2, 0);
        }
        writableLen[q][head] = writable;
        long avail = layouts[q].availRing();
        mem.writeU16(GuestAddress.of(avail + 4 + 2L * (availIdx[q] % QUEUE_SIZE)), first);
        availIdx[q] = (availIdx[q] + 1) & 0xFFFF;
        java.lang.invoke.VarHandle.fullFence();
        mem.writeU16(GuestAddress.of(avail + 2), availIdx[q]);
        java.lang.invoke.VarHandle.fullFence();
        return first;
    }

    private void desc(long table, int i, long addr, long len, int flags, int next) {
        long d = table + 16L * i;
        mem.writeU64(GuestAddress.of(d), addr);
        mem.writeU32(GuestAddress.of(d + 8), (int) len);
        mem.writeU16(GuestAddress.of(d + 12), flags);
        mem.writeU16(GuestAddress.of(d + 14), next);
    }

    /** Chains the device completed on queue {@code q} since the last call; their descriptors are free again. */
    public List<Used> takeUsed(int q) {
        java.lang.invoke.VarHandle.fullFence();
        long used = layouts[q].usedRing();
        int idx = mem.readU16(GuestAddress.of(used + 2));
        java.lang.invoke.VarHandle.acquireFence();
        List<Used> out = new ArrayList<>();
        while (usedSeen[q] != idx) {
            long e = used + 4 + 8L * (usedSeen[q] % QUEUE_SIZE);
            int head = mem.readU32AsInt(GuestAddress.of(e));
            int len = mem.readU32AsInt(GuestAddress.of(e + 4));
            int w = writableLen[q][head];
            long wAddr = slot(q, head) + (w > 0 ? readableOf(q, head) : 0);
            byte[] written = w > 0 ? mem.read(GuestAddress.of(wAddr), Math.min(len, w)) : new byte[0];
            out.add(new Used(head, len, written));
            freeHeads.get(q).add(head);
            usedSeen[q] = (usedSeen[q] + 1) & 0xFFFF;
        }
        return out;
    }

    private long readableOf(int q, int head) {
        long d = layouts[q].descTable() + 16L * head;
        int flags = mem.readU16(GuestAddress.of(d + 12));
        return (flags & 2) != 0 ? 0 : mem.readU32(GuestAddress.of(d + 8));
    }

    /** Waits (bounded) until queue {@code q} has completed chains, and takes them. */
    public List<Used> awaitUsed(int q, long timeoutMs) throws InterruptedException {
        long end = System.nanoTime() + timeoutMs * 1_000_000;
        while (true) {
            List<Used> u = takeUsed(q);
            if (!u.isEmpty() || System.nanoTime() - end > 0) return u;
            Thread.sleep(1);
        }
    }

    @Override
    public void signalUsedBuffer(int queue) {
        usedInterrupts.incrementAndGet();
    }

    @Override
    public void signalConfigChange() {
        configChanges.incrementAndGet();
    }

    @Override
    public void signalNeedsReset(String reason) {
        needsReset = reason;
    }
}
