package dev.flotilla.vm.virtio;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory;
import dev.flotilla.kvm.memory.GuestMemoryException;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The device side of one split virtqueue (virtio 1.2 §2.7) over guest memory.
 *
 * <p><b>Untrusted input.</b> Everything in the rings comes from the guest. {@link #pop()} checks
 * each chain completely before handing it out (see {@link ChainFault} for the checks); a bad chain
 * is counted in {@link #metrics()}, reported to the fault listener, completed with length 0 and
 * skipped. Every walk is bounded — a chain by the device's queue size, indirect table included, a pop by the number of entries
 * the driver made available, which itself may not exceed the queue size — so no guest can make
 * the device loop. An avail index that jumps by more than the queue size leaves the ring state
 * meaningless: the queue then stops ({@link #isBroken()}) and the transport asks for a reset.
 *
 * <p><b>Threading and memory ordering.</b> One device worker thread owns a queue; the guest's
 * vCPUs write the driver area concurrently. The fences are the Java equivalents of Linux's
 * virtio_rmb/wmb/mb, placed as the split-ring protocol needs them:
 * <ul>
 *   <li>after reading avail.idx and before reading the ring entries and descriptors it covers: an
 *       acquire fence (loads are not reordered before the idx load);</li>
 *   <li>after writing a used element and before publishing used.idx: a release fence (the driver
 *       must never see the new idx before the element);</li>
 *   <li>between publishing used.idx (or avail_event, or clearing NO_NOTIFY) and reading the
 *       driver's used_event / flags (or re-reading avail.idx): a full fence, since that is a
 *       store followed by a load of another location, the one reordering x86 does perform; without
 *       it a notification or a wake-up can be lost.</li>
 * </ul>
 * Guest memory is plain memory with no Java-level synchronisation, so these are
 * {@link VarHandle} fences rather than volatile accesses.
 *
 * <p>Usage by a device worker:
 * <pre>{@code
 * do {
 *     Optional<DescriptorChain> c;
 *     while ((c = queue.pop()).isPresent()) {
 *         int written = handle(c.get());
 *         queue.addUsed(c.get().headIndex(), written);
 *     }
 * } while (queue.enableNotification());   // re-check: the driver may have added more meanwhile
 * if (queue.needsNotification()) interrupts.signalUsedBuffer(index);
 * }</pre>
 */
public final class SplitQueue {

    /** Upper bound on the bytes one chain may describe, so lengths always fit an int. */
    public static final long MAX_CHAIN_BYTES = Integer.MAX_VALUE;

    static final int DESC_F_NEXT = 1;
    static final int DESC_F_WRITE = 2;
    static final int DESC_F_INDIRECT = 4;
    /** avail.flags: the driver does not want used-buffer interrupts (ignored with EVENT_IDX). */
    static final int AVAIL_F_NO_INTERRUPT = 1;
    /** used.flags: the device does not want available-buffer notifications (ignored with EVENT_IDX). */
    static final int USED_F_NO_NOTIFY = 1;

    private final int index;
    private final int size;
    private final int mask;
    private final long descTable;
    private final long availRing;
    private final long usedRing;
    private final GuestMemory mem;
    private final boolean indirectAllowed;
    private final boolean eventIdx;
    /** Descriptors one chain may have, indirect ones included: at least the queue size. */
    private final int maxChain;
    private final QueueMetrics metrics;
    private final Consumer<MalformedChain> faults;
    private final byte[] descBuf = new byte[QueueLayout.DESC_SIZE];

    private short nextAvail;
    private short lastSeenAvailIdx;
    private short nextUsed;
    /** used.idx when needsNotification() last decided; meaningful once {@link #decided} is set. */
    private short lastDecidedUsed;
    private boolean decided;
    private boolean notificationsEnabled = true;
    private boolean lastPopValid;
    private volatile boolean broken;

    /**
     * @param index    this queue's index within its device (for fault reports)
     * @param layout   where the driver put the queue; must already have passed
     *                 {@link QueueLayout#problem} for {@code mem}
     * @param features the negotiated features (only INDIRECT_DESC and EVENT_IDX matter here)
     * @param faults   told about every refused chain; called on the worker thread, must not block
     */
    public SplitQueue(int index, QueueLayout layout, GuestMemory mem, long features, QueueMetrics metrics,
                      Consumer<MalformedChain> faults) {
        this(index, layout, mem, features, metrics, faults, layout.size());
    }

    /**
     * As above, with the longest chain the device takes: {@code maxChain} descriptors (indirect ones
     * included), or the driver's queue size if that is larger. The transport passes the device's
     * QueueNumMax, so a driver that chose a small queue may still send indirect tables as long as the
     * device's largest queue (QEMU takes them too), and no driver can send longer ones.
     */
    public SplitQueue(int index, QueueLayout layout, GuestMemory mem, long features, QueueMetrics metrics,
                      Consumer<MalformedChain> faults, int maxChain) {
        Objects.requireNonNull(layout, "layout");
        this.mem = Objects.requireNonNull(mem, "mem");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.faults = Objects.requireNonNull(faults, "faults");
        layout.problem(mem, QueueLayout.MAX_SIZE).ifPresent(p -> {
            throw new IllegalArgumentException("SplitQueue: queue " + index + ": " + p
                    + "; validate the layout (QueueLayout.problem) before building a queue");
        });
        this.index = index;
        this.size = layout.size();
        this.mask = size - 1;
        this.descTable = layout.descTable();
        this.availRing = layout.availRing();
        this.usedRing = layout.usedRing();
        this.indirectAllowed = VirtioFeatures.has(features, VirtioFeatures.RING_INDIRECT_DESC);
        this.eventIdx = VirtioFeatures.has(features, VirtioFeatures.RING_EVENT_IDX);
        if (maxChain < 1 || maxChain > QueueLayout.MAX_SIZE) {
            throw new IllegalArgumentException("SplitQueue: a chain bound of " + maxChain + " is outside 1.." + QueueLayout.MAX_SIZE);
        }
        this.maxChain = Math.max(size, maxChain);
    }

    public int index() {
        return index;
    }

    public int size() {
        return size;
    }

    public QueueMetrics metrics() {
        return metrics;
    }

    /** True once the queue met a fatal fault; it serves nothing more until the device is reset. */
    public boolean isBroken() {
        return broken;
    }

    /** The next avail-ring position the device will read (for snapshots). */
    public int nextAvail() {
        return Short.toUnsignedInt(nextAvail);
    }

    /** The used index the device will publish next (for snapshots). */
    public int nextUsed() {
        return Short.toUnsignedInt(nextUsed);
    }

    /**
     * Continues a queue from a snapshot: the device had read the avail ring up to
     * {@code nextAvail} and published used entries up to {@code nextUsed}. Call before any pop.
     */
    void restorePositions(int nextAvail, int nextUsed) {
        this.nextAvail = (short) nextAvail;
        this.lastSeenAvailIdx = (short) nextAvail;
        this.nextUsed = (short) nextUsed;
    }

    /**
     * The next well-formed chain the driver made available, or empty if there is none (or the
     * queue is broken). Malformed chains met on the way are completed with length 0 and skipped.
     */
    public Optional<DescriptorChain> pop() {
        lastPopValid = false;
        if (broken) {
            return Optional.empty();
        }
        try {
            while (true) {
                if (nextAvail == lastSeenAvailIdx && !refreshAvailIdx()) {
                    return Optional.empty();
                }
                int head = mem.readU16(addr(availRing + 4 + 2L * (nextAvail & mask)));
                nextAvail++;
                publishAvailEvent();
                DescriptorChain chain = walk(head);
                if (chain != null) {
                    metrics.recordPopped();
                    lastPopValid = true;
                    return Optional.of(chain);
                }
            }
        } catch (GuestMemoryException e) {
            fault(-1, ChainFault.MEMORY_ERROR, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Puts back the chain the last {@link #pop()} returned, so the next pop returns it again: for
     * a device that found itself rate-limited after popping. Only valid straight after a pop that
     * returned a chain.
     */
    public void undoPop() {
        if (!lastPopValid) {
            throw new IllegalStateException("SplitQueue.undoPop: the last pop() returned no chain; "
                    + "undo only directly after a successful pop");
        }
        lastPopValid = false;
        nextAvail--;
    }

    /**
     * Completes the chain with head {@code headIndex}: writes a used element and publishes used.idx.
     *
     * @param written bytes the device wrote into the chain's writable part
     * @throws IllegalArgumentException if {@code headIndex} is not a descriptor of this queue or
     *         {@code written} is negative: a device bug, not a guest's
     */
    public void addUsed(int headIndex, int written) {
        if (headIndex < 0 || headIndex >= size || written < 0) {
            throw new IllegalArgumentException("SplitQueue.addUsed: queue " + index + " of size " + size
                    + " cannot complete head " + headIndex + " with length " + written
                    + "; pass the headIndex() of a popped chain and the bytes written to it");
        }
        if (broken) {
            return;
        }
        lastPopValid = false;
        long elem = usedRing + 4 + 8L * (nextUsed & mask);
        mem.writeU32(addr(elem), headIndex);
        mem.writeU32(addr(elem + 4), written);
        nextUsed++;
        VarHandle.releaseFence();
        mem.writeU16(addr(usedRing + 2), Short.toUnsignedInt(nextUsed));
        metrics.recordUsed();
    }

    /**
     * Completes {@code chain}, checking that the device does not claim to have written more than
     * the driver offered (a guest trusts that length).
     */
    public void addUsed(DescriptorChain chain, int written) {
        if (written > chain.writableLength()) {
            throw new IllegalArgumentException("SplitQueue.addUsed: chain " + chain.headIndex() + " offers "
                    + chain.writableLength() + " writable bytes, not the " + written + " the device reports");
        }
        addUsed(chain.headIndex(), written);
    }

    /**
     * Whether the driver wants an interrupt for the buffers used since the last call (virtio 1.2
     * §2.7.10): with EVENT_IDX, if used.idx passed used_event since then; without, unless the driver
     * set NO_INTERRUPT. False when nothing was used since the last call.
     */
    public boolean needsNotification() {
        if (broken) {
            return false;
        }
        VarHandle.fullFence();
        short used = nextUsed;
        boolean any = !decided || used != lastDecidedUsed;
        boolean need;
        if (!any) {
            need = false;
        } else if (eventIdx) {
            int usedEvent = mem.readU16(addr(availRing + 4 + 2L * size));
            need = !decided || needEvent(usedEvent, Short.toUnsignedInt(used), Short.toUnsignedInt(lastDecidedUsed));
        } else {
            need = (mem.readU16(addr(availRing)) & AVAIL_F_NO_INTERRUPT) == 0;
        }
        lastDecidedUsed = used;
        decided = true;
        metrics.recordNotification(need);
        return need;
    }

    /**
     * The spec's vring_need_event: true if {@code eventIdx} lies in the window of indices
     * {@code [oldIdx, newIdx)} just published, computed modulo 2^16.
     */
    static boolean needEvent(int eventIdx, int newIdx, int oldIdx) {
        return ((newIdx - eventIdx - 1) & 0xFFFF) < ((newIdx - oldIdx) & 0xFFFF);
    }

    /** Asks the driver not to notify (kick) this queue: the worker is busy draining it anyway. */
    public void disableNotification() {
        notificationsEnabled = false;
        if (!eventIdx && !broken) {
            mem.writeU16(addr(usedRing), USED_F_NO_NOTIFY);
        }
    }

    /**
     * Asks the driver to notify again, then re-checks the ring.
     *
     * @return true if buffers became available in the meantime: pop again before sleeping, or a
     *         kick sent before the driver saw the re-enable would be lost
     */
    public boolean enableNotification() {
        if (broken) {
            return false;
        }
        notificationsEnabled = true;
        if (eventIdx) {
            mem.writeU16(addr(usedRing + 4 + 8L * size), Short.toUnsignedInt(nextAvail));
        } else {
            mem.writeU16(addr(usedRing), 0);
        }
        VarHandle.fullFence();
        return hasAvailable();
    }

    /** True if the driver has made chains available that the device has not popped yet. */
    public boolean hasAvailable() {
        if (broken) {
            return false;
        }
        if (nextAvail != lastSeenAvailIdx) {
            return true;
        }
        try {
            return refreshAvailIdx();
        } catch (GuestMemoryException e) {
            fault(-1, ChainFault.MEMORY_ERROR, e.getMessage());
            return false;
        }
    }

    /** Re-reads avail.idx; true if it shows entries beyond nextAvail. Marks the queue broken on a jump. */
    private boolean refreshAvailIdx() {
        short idx = (short) mem.readU16(addr(availRing + 2));
        VarHandle.acquireFence();
        int pending = (idx - nextAvail) & 0xFFFF;
        if (pending > size) {
            fault(-1, ChainFault.AVAIL_INDEX_JUMP, "avail.idx " + Short.toUnsignedInt(idx) + " is " + pending
                    + " ahead of the device's " + Short.toUnsignedInt(nextAvail) + " in a queue of " + size);
            return false;
        }
        lastSeenAvailIdx = idx;
        return pending != 0;
    }

    /** With EVENT_IDX, tells the driver to kick when it adds past what we have consumed. */
    private void publishAvailEvent() {
        if (eventIdx && notificationsEnabled) {
            mem.writeU16(addr(usedRing + 4 + 8L * size), Short.toUnsignedInt(nextAvail));
        }
    }

    /** Walks and validates the chain at {@code head}; null (after completing it with 0) if malformed. */
    private DescriptorChain walk(int head) {
        if (head >= size) {
            // No valid id to complete it under: skip the entry; the driver will never get it back.
            fault(head, ChainFault.HEAD_OUT_OF_RANGE, "head " + head + " in a queue of " + size);
            return null;
        }
        List<GuestSegment> readable = new ArrayList<>(2);
        List<GuestSegment> writable = new ArrayList<>(2);
        long table = descTable;
        int tableLen = size;
        // One budget for the whole chain, indirect table included: no chain costs more descriptor reads
        // than the device's queue size (virtio 1.2 §2.7.5.3.1 bounds chains by the queue size).
        int left = maxChain;
        boolean indirect = false;
        long total = 0;
        int i = head;
        while (true) {
            if (left-- == 0) {
                return refuse(head, ChainFault.CHAIN_LOOP, "more than " + maxChain + " descriptors"
                        + (indirect ? " (indirect table included)" : "") + " in a queue of " + size);
            }
            mem.read(addr(table + (long) QueueLayout.DESC_SIZE * i), descBuf, 0, QueueLayout.DESC_SIZE);
            long a = le64(descBuf, 0);
            long len = le32(descBuf, 8);
            int flags = le16(descBuf, 12);
            int next = le16(descBuf, 14);
            if ((flags & DESC_F_INDIRECT) != 0) {
                Refusal bad = indirectProblem(indirect, flags, a, len);
                if (bad != null) {
                    return refuse(head, bad.fault(), bad.detail());
                }
                indirect = true;
                table = a;
                tableLen = (int) (len / QueueLayout.DESC_SIZE);
                left++;   // the pointer to the table is not a buffer of the chain
                i = 0;
                continue;
            }
            // Zero-length buffers are checked too: a device may still take a slice at their address.
            if (!mem.isValid(addr(a), len)) {
                return refuse(head, ChainFault.BUFFER_OUT_OF_RAM, "buffer [0x" + Long.toHexString(a) + ", +" + len + ")");
            }
            total += len;
            if (total > MAX_CHAIN_BYTES) {
                return refuse(head, ChainFault.CHAIN_TOO_LARGE, total + " bytes so far");
            }
            if ((flags & DESC_F_WRITE) != 0) {
                writable.add(new GuestSegment(a, len));
            } else if (!writable.isEmpty()) {
                return refuse(head, ChainFault.READABLE_AFTER_WRITABLE, "descriptor " + i);
            } else {
                readable.add(new GuestSegment(a, len));
            }
            if ((flags & DESC_F_NEXT) == 0) {
                return new DescriptorChain(mem, head, readable, writable);
            }
            if (next >= tableLen) {
                return refuse(head, ChainFault.NEXT_OUT_OF_RANGE, "descriptor " + i + " next " + next
                        + " in a table of " + tableLen);
            }
            i = next;
        }
    }

    private record Refusal(ChainFault fault, String detail) {
    }

    /** What is wrong with an indirect descriptor, or null if it may be followed. */
    private Refusal indirectProblem(boolean alreadyIndirect, int flags, long a, long len) {
        if (alreadyIndirect) {
            return new Refusal(ChainFault.NESTED_INDIRECT, "indirect descriptor inside an indirect table");
        }
        if (!indirectAllowed) {
            return new Refusal(ChainFault.INDIRECT_NOT_NEGOTIATED, "VIRTIO_F_INDIRECT_DESC was not negotiated");
        }
        if ((flags & DESC_F_NEXT) != 0) {
            return new Refusal(ChainFault.INDIRECT_WITH_NEXT, "flags 0x" + Integer.toHexString(flags));
        }
        if (len == 0 || len % QueueLayout.DESC_SIZE != 0 || len / QueueLayout.DESC_SIZE > maxChain) {
            return new Refusal(ChainFault.INDIRECT_BAD_SIZE, "table length " + len + " (" + len / QueueLayout.DESC_SIZE
                    + " descriptors; at most " + maxChain + ") in a queue of " + size);
        }
        if (!mem.isValid(addr(a), len)) {
            return new Refusal(ChainFault.INDIRECT_OUT_OF_RAM, "table [0x" + Long.toHexString(a) + ", +" + len + ")");
        }
        return null;
    }

    private DescriptorChain refuse(int head, ChainFault f, String detail) {
        fault(head, f, detail);
        addUsed(head, 0);
        return null;
    }

    private void fault(int head, ChainFault f, String detail) {
        metrics.recordMalformed(f);
        if (f.fatal()) {
            broken = true;
        }
        faults.accept(new MalformedChain(index, head, f, detail));
    }

    private static GuestAddress addr(long a) {
        return new GuestAddress(a);
    }

    private static long le64(byte[] b, int o) {
        return (le32(b, o)) | (le32(b, o + 4) << 32);
    }

    private static long le32(byte[] b, int o) {
        return (b[o] & 0xFFL) | (b[o + 1] & 0xFFL) << 8 | (b[o + 2] & 0xFFL) << 16 | (b[o + 3] & 0xFFL) << 24;
    }

    private static int le16(byte[] b, int o) {
        return (b[o] & 0xFF) | (b[o + 1] & 0xFF) << 8;
    }
}
