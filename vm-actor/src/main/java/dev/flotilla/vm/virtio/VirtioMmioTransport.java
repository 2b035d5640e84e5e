package dev.flotilla.vm.virtio;

import static dev.flotilla.vm.virtio.MmioRegisters.*;

import dev.flotilla.kvm.memory.GuestMemory;
import dev.flotilla.vm.bus.BusDevice;
import dev.flotilla.vm.bus.IrqTrigger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The virtio-mmio (version 2) register file of one device slot, driving a {@link VirtioDevice}.
 *
 * <p>Registers are 32 bits wide and 32-bit aligned below {@link MmioRegisters#CONFIG}; any other
 * access there is ignored (reads as 0) and counted, never thrown. From CONFIG on, accesses of any
 * width go to the device's configuration space.
 *
 * <p>Protocol checks, each refusal counted in {@link #metrics()} and told to the events:
 * FEATURES_OK is refused (not set, so the driver reads it back clear) unless the driver accepted
 * VERSION_1 and only offered features; QueueReady := 1 is refused (reads back 0) and the device
 * marked NEEDS_RESET unless the queue's size and rings are valid ({@link QueueLayout#problem});
 * status writes that clear bits are ignored; DRIVER_OK without FEATURES_OK is ignored; queue
 * registers of a ready queue and driver features after FEATURES_OK are read-only.
 *
 * <p>Notifications may arrive through the QueueNotify register or, once KVM is given an ioeventfd
 * on it, from the eventfd's poller through {@link #notifyQueue(int)}: both take the same path.
 * Interrupts go out through the {@link IrqTrigger}, driven by the {@link InterruptStatus} register:
 * {@code set(true)} on every signal (an edge-wired irqfd pulses each time, as Firecracker does),
 * {@code set(false)} when the driver has acknowledged every pending bit. Feature negotiation is
 * {@link FeatureNegotiation}'s, the per-queue registers (and their save/restore) {@link QueueRegisters}'.
 *
 * <p>Threading: register accesses from vCPU threads serialise on a private lock, under which the
 * device's config, activate and reset callbacks run. Queue notifications call the device without
 * it. The {@link Interrupts} handed to the device take only the interrupt register's lock and atomics,
 * never the register lock, so a device worker may signal while holding its own lock.
 */
public final class VirtioMmioTransport implements BusDevice {

    /** Size of the MMIO window one transport occupies. */
    public static final long WINDOW_SIZE = 0x1000;
    /** Vendor ID reported: none in particular, as Firecracker reports. */
    public static final int VENDOR = 0;

    private final Object lock = new Object();
    private final VirtioDevice device;
    private final GuestMemory mem;
    private final TransportEvents events;
    private final TransportMetrics metrics = new TransportMetrics();
    private final QueueRegisters[] queues;
    private final QueueMetrics[] queueMetrics;
    /** Has its own lock, never the register lock: device threads raise interrupts. */
    private final InterruptStatus interrupts;

    // Guarded by lock.
    private final FeatureNegotiation features;
    private int queueSel;
    private Activation activation;

    /** Written under lock; NEEDS_RESET may also be set by device threads, hence atomic. */
    private final AtomicInteger status = new AtomicInteger();
    private final AtomicInteger configGeneration = new AtomicInteger();
    /** The running activation, for notification dispatch without the lock. */
    private volatile Activation running;

    /** One DRIVER_OK..reset period; signals from a device that outlived it are dropped. */
    private final class Activation implements Interrupts {
        final ActivatedQueues queues;
        volatile boolean live = true;

        Activation(ActivatedQueues queues) {
            this.queues = queues;
        }

        @Override
        public void signalUsedBuffer(int queue) {
            if (live) {
                raise(INT_USED_BUFFER);
            }
        }

        @Override
        public void signalConfigChange() {
            if (live) {
                configGeneration.incrementAndGet();
                raise(INT_CONFIG_CHANGE);
            }
        }

        @Override
        public void signalNeedsReset(String reason) {
            if (live) {
                markNeedsReset(reason);
            }
        }
    }

    public VirtioMmioTransport(VirtioDevice device, GuestMemory mem, IrqTrigger irq) {
        this(device, mem, irq, TransportEvents.NONE);
    }

    public VirtioMmioTransport(VirtioDevice device, GuestMemory mem, IrqTrigger irq, TransportEvents events) {
        this.device = Objects.requireNonNull(device, "device");
        this.mem = Objects.requireNonNull(mem, "mem");
        this.interrupts = new InterruptStatus(Objects.requireNonNull(irq, "irq"));
        this.events = Objects.requireNonNull(events, "events");
        int n = device.queueCount();
        if (n <= 0) {
            throw new IllegalArgumentException("VirtioMmioTransport: device type " + device.deviceType()
                    + " reports " + n + " queues; a virtio device has at least one");
        }
        this.features = new FeatureNegotiation(VirtioFeatures.offered(device.deviceFeatures()));
        this.queues = new QueueRegisters[n];
        this.queueMetrics = new QueueMetrics[n];
        for (int q = 0; q < n; q++) {
            queues[q] = QueueRegisters.of(device, q);
            queueMetrics[q] = new QueueMetrics();
        }
    }

    // ---- BusDevice ----

    @Override
    public void read(long offset, byte[] data) {
        Arrays.fill(data, (byte) 0);
        if (offset >= CONFIG) {
            synchronized (lock) {
                device.readConfig(offset - CONFIG, data);
            }
            return;
        }
        if (!registerAccess(offset, data, "read")) {
            return;
        }
        int v = readRegister((int) offset);
        for (int i = 0; i < 4; i++) {
            data[i] = (byte) (v >>> (8 * i));
        }
    }

    @Override
    public void write(long offset, byte[] data) {
        if (offset >= CONFIG) {
            synchronized (lock) {
                device.writeConfig(offset - CONFIG, data.clone());
            }
            return;
        }
        if (!registerAccess(offset, data, "write")) {
            return;
        }
        int v = (data[0] & 0xFF) | (data[1] & 0xFF) << 8 | (data[2] & 0xFF) << 16 | (data[3] & 0xFF) << 24;
        if (offset == QUEUE_NOTIFY) {
            notifyQueue(v);   // the hot path: no register lock
            return;
        }
        synchronized (lock) {
            writeRegister((int) offset, v);
        }
    }

    private boolean registerAccess(long offset, byte[] data, String op) {
        if (offset < 0 || data.length != 4 || (offset & 3) != 0) {
            invalid(op + " of " + data.length + " bytes at 0x" + Long.toHexString(offset)
                    + " (registers are 32-bit, 32-bit aligned)");
            return false;
        }
        return true;
    }

    // ---- registers ----

    private int readRegister(int offset) {
        switch (offset) {
            case MAGIC_VALUE:
                return MAGIC;
            case VERSION:
                return MMIO_VERSION;
            case DEVICE_ID:
                return device.deviceType();
            case VENDOR_ID:
                return VENDOR;
            case INTERRUPT_STATUS:
                return interrupts.get();
            case STATUS:
                return status.get();
            case CONFIG_GENERATION:
                return configGeneration.get();
            case SHM_LEN_LOW:
            case SHM_LEN_HIGH:
            case SHM_BASE_LOW:
            case SHM_BASE_HIGH:
                return -1;   // no shared memory regions: the spec's "length -1"
            default:
                break;
        }
        synchronized (lock) {
            switch (offset) {
                case DEVICE_FEATURES:
                    return features.deviceFeatures();
                case QUEUE_NUM_MAX:
                    return selectedQueue().map(q -> q.maxSize).orElse(0);
                case QUEUE_READY:
                    return selectedQueue().map(q -> q.ready ? 1 : 0).orElse(0);
                default:
                    invalid("read of write-only or unknown register 0x" + Integer.toHexString(offset));
                    return 0;
            }
        }
    }

    private void writeRegister(int offset, int v) {
        switch (offset) {
            case DEVICE_FEATURES_SEL -> features.selectDeviceFeatures(v);
            case DRIVER_FEATURES_SEL -> features.selectDriverFeatures(v);
            case DRIVER_FEATURES -> features.writeDriverFeatures(v, (status.get() & DeviceStatus.FEATURES_OK) != 0)
                    .ifPresent(this::violation);
            case QUEUE_SEL -> queueSel = v;
            case QUEUE_NUM -> writeQueue(offset, q -> q.size = v);
            case QUEUE_DESC_LOW -> writeQueue(offset, q -> q.desc = low(q.desc, v));
            case QUEUE_DESC_HIGH -> writeQueue(offset, q -> q.desc = high(q.desc, v));
            case QUEUE_DRIVER_LOW -> writeQueue(offset, q -> q.driver = low(q.driver, v));
            case QUEUE_DRIVER_HIGH -> writeQueue(offset, q -> q.driver = high(q.driver, v));
            case QUEUE_DEVICE_LOW -> writeQueue(offset, q -> q.device = low(q.device, v));
            case QUEUE_DEVICE_HIGH -> writeQueue(offset, q -> q.device = high(q.device, v));
            case QUEUE_READY -> writeQueueReady(v);
            case INTERRUPT_ACK -> interrupts.acknowledge(v);
            case STATUS -> writeStatus(v);
            case SHM_SEL -> { }   // no regions to select; reads report none
            default -> invalid("write of read-only or unknown register 0x" + Integer.toHexString(offset));
        }
    }

    private static long low(long old, int v) {
        return (old & 0xFFFF_FFFF_0000_0000L) | Integer.toUnsignedLong(v);
    }

    private static long high(long old, int v) {
        return (old & 0xFFFF_FFFFL) | ((long) v << 32);
    }

    private Optional<QueueRegisters> selectedQueue() {
        return queueSel >= 0 && queueSel < queues.length ? Optional.of(queues[queueSel]) : Optional.empty();
    }

    private void writeQueue(int offset, Consumer<QueueRegisters> change) {
        Optional<QueueRegisters> q = selectedQueue();
        if (q.isEmpty()) {
            invalid("queue register 0x" + Integer.toHexString(offset) + " written with QueueSel " + queueSel
                    + " beyond the device's " + queues.length + " queues");
        } else if (q.get().ready) {
            violation("queue " + queueSel + " register 0x" + Integer.toHexString(offset) + " written while the queue is ready");
        } else {
            change.accept(q.get());
        }
    }

    private void writeQueueReady(int v) {
        Optional<QueueRegisters> sel = selectedQueue();
        if (sel.isEmpty()) {
            invalid("QueueReady written with QueueSel " + queueSel + " beyond the device's " + queues.length + " queues");
            return;
        }
        QueueRegisters q = sel.get();
        if (v == 0) {
            if (activation != null && q.ready) {
                violation("queue " + queueSel + " un-readied while the device runs (needs VIRTIO_F_RING_RESET)");
            } else {
                q.ready = false;
            }
            return;
        }
        if (q.ready) {
            return;
        }
        Optional<String> problem = q.setupProblem(mem);
        if (problem.isPresent()) {
            metrics.queueSetupsRefused.increment();
            String why = "queue " + queueSel + " set-up refused: " + problem.get();
            events.refused(why);
            markNeedsReset(why);
            return;
        }
        q.ready = true;
    }

    private void writeStatus(int v) {
        if (v == 0) {
            reset();
            return;
        }
        int cur = status.get() & ~DeviceStatus.NEEDS_RESET;
        int want = v & ~DeviceStatus.NEEDS_RESET;
        if ((cur & ~want) != 0) {
            violation("Status 0x" + Integer.toHexString(v) + " clears bits of " + DeviceStatus.describe(cur)
                    + " (only a write of 0 may)");
            return;
        }
        int added = want & ~cur;
        if ((added & DeviceStatus.FEATURES_OK) != 0 && !featuresAcceptable(want)) {
            want &= ~(DeviceStatus.FEATURES_OK | DeviceStatus.DRIVER_OK);
            added = want & ~cur;
        }
        if ((added & DeviceStatus.DRIVER_OK) != 0 && (want & DeviceStatus.FEATURES_OK) == 0) {
            violation("DRIVER_OK set without FEATURES_OK");
            want &= ~DeviceStatus.DRIVER_OK;
            added &= ~DeviceStatus.DRIVER_OK;
        }
        final int set = want;
        status.updateAndGet(s -> set | (s & DeviceStatus.NEEDS_RESET));
        if ((added & DeviceStatus.DRIVER_OK) != 0) {
            activate();
        }
    }

    private boolean featuresAcceptable(int want) {
        Optional<String> problem = features.featuresOkRefusal(want);
        if (problem.isPresent()) {
            metrics.featuresRefused.increment();
            events.refused("FEATURES_OK refused: " + problem.get());
            return false;
        }
        return true;
    }

    private void activate() {
        activate(null);
    }

    /** Starts the device; {@code positions} (from a snapshot) or null for fresh queues. */
    private void activate(List<VirtioMmioState.Queue> positions) {
        if ((status.get() & DeviceStatus.NEEDS_RESET) != 0) {
            metrics.activationFailures.increment();
            events.refused("DRIVER_OK ignored: the device needs a reset first");
            if (positions == null) {
                raise(INT_CONFIG_CHANGE);   // NEEDS_RESET predates DRIVER_OK: tell the now-running driver
            }
            return;
        }
        long negotiated = features.negotiated();
        SplitQueue[] ready = new SplitQueue[queues.length];
        for (int q = 0; q < queues.length; q++) {
            if (queues[q].ready) {
                ready[q] = new SplitQueue(q, queues[q].layout(), mem, negotiated, queueMetrics[q],
                        this::onMalformedChain, device.queueMaxSize(q));
                if (positions != null) {
                    ready[q].restorePositions(positions.get(q).nextAvail(), positions.get(q).nextUsed());
                }
            }
        }
        Activation a = new Activation(new ActivatedQueues(ready, negotiated));
        try {
            device.activate(a.queues, mem, a);
        } catch (VirtioActivationException | RuntimeException e) {
            a.live = false;
            metrics.activationFailures.increment();
            markNeedsReset("device type " + device.deviceType() + " failed to activate: " + e.getMessage());
            return;
        }
        metrics.activations.increment();
        activation = a;
        running = a;
    }

    private void onMalformedChain(MalformedChain chain) {
        events.malformedChain(chain);
        if (chain.fault().fatal()) {
            markNeedsReset(chain.toString());
        }
    }

    private void reset() {
        Activation a = activation;
        if (a != null) {
            a.live = false;
        }
        running = null;
        activation = null;
        device.reset();
        metrics.resets.increment();
        for (QueueRegisters q : queues) {
            q.clear();
        }
        features.reset();
        queueSel = 0;
        status.set(0);
        interrupts.clear();
    }

    // ---- notifications and interrupts ----

    /**
     * Passes a driver notification for queue {@code q} to the device: from a QueueNotify write,
     * or from the poller of the ioeventfd KVM signals instead. Dropped (and counted) unless the
     * device is running and {@code q} is one of its ready queues.
     */
    public void notifyQueue(int q) {
        Activation a = running;
        if (a == null || !a.live || !a.queues.isReady(q)
                || (status.get() & (DeviceStatus.FAILED | DeviceStatus.NEEDS_RESET)) != 0) {
            metrics.notificationsIgnored.increment();
            return;
        }
        metrics.notifications.increment();
        device.queueNotified(q);
    }

    private void raise(int bit) {
        metrics.interrupts.increment();
        interrupts.raise(bit);
    }

    private void markNeedsReset(String reason) {
        int old = status.getAndUpdate(s -> s | DeviceStatus.NEEDS_RESET);
        if ((old & DeviceStatus.NEEDS_RESET) != 0) {
            return;
        }
        metrics.needsReset.increment();
        events.needsReset(reason);
        if ((old & DeviceStatus.DRIVER_OK) != 0) {
            raise(INT_CONFIG_CHANGE);   // the spec's way of telling a running driver
        }
    }

    private void invalid(String what) {
        metrics.invalidAccesses.increment();
        events.refused(what);
    }

    private void violation(String what) {
        metrics.protocolViolations.increment();
        events.refused(what);
    }

    // ---- snapshots ----

    /**
     * The transport's state, for a snapshot. Take it with the vCPUs paused and the device's worker
     * stopped, so ring positions are not moving.
     */
    public VirtioMmioState save() {
        synchronized (lock) {
            List<VirtioMmioState.Queue> qs = new ArrayList<>();
            for (int q = 0; q < queues.length; q++) {
                SplitQueue live = activation != null && activation.queues.isReady(q) ? activation.queues.queue(q) : null;
                qs.add(queues[q].save(live));
            }
            return new VirtioMmioState(device.deviceType(), status.get(), features.deviceFeaturesSel(),
                    features.driverFeaturesSel(), features.driverFeatures(), queueSel, interruptStatus(),
                    configGeneration.get(), qs);
        }
    }

    /**
     * Rebuilds a transport from a snapshot around {@code device} (whose own state the caller has
     * already restored). If the driver had the device running, its queues are rebuilt at the saved
     * ring positions and the device is activated again.
     *
     * @throws IllegalArgumentException if the state does not fit the device (type or queue count)
     *         or names queues outside {@code mem}: a snapshot from another VM or a corrupt file
     */
    public static VirtioMmioTransport restore(VirtioDevice device, GuestMemory mem, IrqTrigger irq,
                                              TransportEvents events, VirtioMmioState state) {
        VirtioMmioTransport t = new VirtioMmioTransport(device, mem, irq, events);
        if (state.deviceType() != device.deviceType() || state.queues().size() != t.queues.length) {
            throw new IllegalArgumentException("VirtioMmioTransport.restore: snapshot is of device type "
                    + state.deviceType() + " with " + state.queues().size() + " queues, not type "
                    + device.deviceType() + " with " + t.queues.length + "; restore each device from its own state");
        }
        synchronized (t.lock) {
            for (int q = 0; q < t.queues.length; q++) {
                t.queues[q].restore(q, state.queues().get(q), mem);
            }
            t.features.restore(state.deviceFeaturesSel(), state.driverFeaturesSel(), state.driverFeatures());
            t.queueSel = state.queueSel();
            t.configGeneration.set(state.configGeneration());
            t.status.set(state.status());
            t.interrupts.restore(state.interruptStatus());
            int st = state.status();
            if ((st & DeviceStatus.DRIVER_OK) != 0 && (st & (DeviceStatus.NEEDS_RESET | DeviceStatus.FAILED)) == 0) {
                t.activate(state.queues());
            }
        }
        t.interrupts.reassert();   // the guest may have had an interrupt pending
        return t;
    }

    // ---- inspection ----

    public VirtioDevice device() {
        return device;
    }

    public TransportMetrics metrics() {
        return metrics;
    }

    /** Counters of queue {@code q}, kept across resets. */
    public QueueMetrics queueMetrics(int q) {
        return queueMetrics[q];
    }

    /** The Status register as the driver would read it. */
    public int status() {
        return status.get();
    }

    /** The features offered to the driver: the device's, masked to what this transport implements, plus VERSION_1. */
    public long offeredFeatures() {
        return features.offered();
    }

    /** The negotiated features once FEATURES_OK is set, else 0. */
    public long negotiatedFeatures() {
        synchronized (lock) {
            return (status.get() & DeviceStatus.FEATURES_OK) != 0 ? features.negotiated() : 0;
        }
    }

    /** True between a successful DRIVER_OK and the next reset. */
    public boolean isActivated() {
        return running != null;
    }

    public int interruptStatus() {
        return interrupts.get();
    }

    public int configGeneration() {
        return configGeneration.get();
    }
}
