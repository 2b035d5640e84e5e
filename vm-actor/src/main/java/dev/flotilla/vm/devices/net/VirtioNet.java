package dev.flotilla.vm.devices.net;

import dev.flotilla.kvm.sys.LibC;
import dev.flotilla.vm.config.RateLimiterConfig;
import dev.flotilla.vm.ratelimit.RateLimiter;
import dev.flotilla.vm.virtio.ActivatedQueues;
import dev.flotilla.vm.virtio.VirtioActivationException;
import dev.flotilla.vm.virtio.VirtioFeatures;
import dev.flotilla.vm.virtio.WorkerBackedDevice;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * virtio-net (device type 1) on a {@link FrameBackend}, Firecracker's model: queue 0 receives, queue
 * 1 transmits, every frame carries the 12-byte {@link NetHeader}, the guest's MAC (when configured)
 * is offered with VIRTIO_NET_F_MAC in the configuration space, and no offloads are offered.
 *
 * <p>Data path (worker thread). Transmit runs on tx kicks. Receive runs while the backend's fd is
 * readable: the worker watches it only while receive can make progress, so a guest without rx
 * buffers, a throttled direction or a failing backend costs no CPU; the frames then wait in the
 * kernel's TAP queue (bounded by the kernel, which drops beyond it). A guest rx kick re-arms the
 * watch; a throttled direction resumes by itself at its limiter's deadline; a failed backend read is
 * retried after {@link #BACKEND_RETRY_NANOS}. Each pass handles a bounded number of chains, so a
 * flood in one direction cannot starve the other.
 *
 * <p>Control plane: {@link #updateRateLimiters} (Firecracker's PATCH /network-interfaces) may be
 * called from any thread while the device runs; the worker picks the change up at once.
 */
public final class VirtioNet extends WorkerBackedDevice implements dev.flotilla.vm.devices.LiveDevice {

    private static final Logger log = LoggerFactory.getLogger(VirtioNet.class);

    public static final int DEVICE_TYPE = 1;
    public static final int RX_QUEUE = 0;
    public static final int TX_QUEUE = 1;
    public static final int QUEUE_SIZE = 256;
    /** Device-specific feature bit 5: the device has a MAC address in its configuration space. */
    public static final long F_MAC = 1L << 5;
    static final long BACKEND_RETRY_NANOS = 100_000_000L;
    private static final long BACKEND_TOKEN = dev.flotilla.vm.virtio.DeviceWorker.FIRST_BACKEND_TOKEN;

    private final FrameBackend backend;
    private final Optional<MacAddress> mac;
    private final NetMetrics metrics = new NetMetrics();
    private final RateLimiter rxLimiter;
    private final RateLimiter txLimiter;
    private final RxPath rx;
    private final TxPath tx;
    /** Set by {@link #updateRateLimiters}: the worker retries throttled directions now. */
    private volatile boolean limitsChanged;

    // Worker-thread state (and activation/reset, which the worker does not overlap).
    /** Written by the worker only; volatile so that {@link #watchingBackend} reads it from any thread. */
    private volatile boolean watching;
    private boolean readErrorLogged;
    private boolean writeErrorLogged;
    private long rxResumeAt = Long.MAX_VALUE;
    private long txResumeAt = Long.MAX_VALUE;

    /**
     * @param name    worker thread name ({@code virtio-<vm>-<iface>})
     * @param backend the TAP (owned from now on: closed with the device)
     * @param mac     the guest's MAC, offered as VIRTIO_NET_F_MAC; without it the guest picks one
     */
    public VirtioNet(String name, FrameBackend backend, Optional<MacAddress> mac,
                     Optional<RateLimiter> rxLimiter, Optional<RateLimiter> txLimiter) {
        super(name, 2);
        this.backend = Objects.requireNonNull(backend, "backend");
        this.mac = Objects.requireNonNull(mac, "mac");
        this.rxLimiter = rxLimiter.orElseGet(RateLimiter::unlimited);
        this.txLimiter = txLimiter.orElseGet(RateLimiter::unlimited);
        this.rx = new RxPath(backend, this.rxLimiter, metrics, this::complete);
        this.tx = new TxPath(backend, this.txLimiter, metrics, this::complete);
    }

    /** Firecracker's net metric names where they exist. */
    @Override
    public java.util.Map<String, Long> counters() {
        NetMetrics.Snapshot m = metrics().snapshot();
        java.util.Map<String, Long> c = new java.util.TreeMap<>();
        c.put("rx_packets_count", m.rxFrames());
        c.put("rx_bytes_count", m.rxBytes());
        c.put("tx_packets_count", m.txFrames());
        c.put("tx_bytes_count", m.txBytes());
        c.put("rx_dropped", m.rxDropped());
        c.put("tx_dropped", m.txDropped());
        c.put("rx_rate_limiter_throttled", m.rxThrottled());
        c.put("tx_rate_limiter_throttled", m.txThrottled());
        c.put("tx_malformed_frames", m.txMalformed() + m.rxMalformed());
        c.put("tap_read_fails", m.tapReadErrors());
        c.put("tap_write_fails", m.tapWriteErrors());
        return c;
    }

    /** PATCH /network-interfaces/{id}: new rx/tx rate limiters (an absent one is kept). */
    @Override
    public java.util.concurrent.CompletionStage<Void> apply(dev.flotilla.vm.devices.DeviceUpdate update) {
        if (!(update instanceof dev.flotilla.vm.devices.DeviceUpdate.NetworkInterface n)) {
            throw new dev.flotilla.vm.config.InvalidConfigException("iface_id", "a network interface takes only its rate-limiter updates");
        }
        updateRateLimiters(n.iface().rxRateLimiter(), n.iface().txRateLimiter());
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    public NetMetrics metrics() {
        return metrics;
    }

    public RateLimiter rxLimiter() {
        return rxLimiter;
    }

    public RateLimiter txLimiter() {
        return txLimiter;
    }

    public FrameBackend backend() {
        return backend;
    }

    public Optional<MacAddress> mac() {
        return mac;
    }

    /**
     * Applies a PATCH to the live limiters (a present bucket replaces the current one, an absent one
     * is kept; see {@link RateLimiterConfig#applyTo}) and wakes the worker so a throttled direction
     * re-checks at once instead of at its old deadline. Any thread.
     */
    public void updateRateLimiters(Optional<RateLimiterConfig> rxUpdate, Optional<RateLimiterConfig> txUpdate) {
        rxUpdate.ifPresent(c -> c.applyTo(rxLimiter));
        txUpdate.ifPresent(c -> c.applyTo(txLimiter));
        limitsChanged = true;
        if (worker.running()) {
            worker.kick(RX_QUEUE);
            worker.kick(TX_QUEUE);
        }
    }

    @Override
    public int deviceType() {
        return DEVICE_TYPE;
    }

    @Override
    public long deviceFeatures() {
        return (mac.isPresent() ? F_MAC : 0) | VirtioFeatures.RING_EVENT_IDX | VirtioFeatures.RING_INDIRECT_DESC;
    }

    @Override
    public int queueMaxSize(int q) {
        return QUEUE_SIZE;
    }

    /** Config space: mac[6] (only meaningful with VIRTIO_NET_F_MAC); status and the rest are not offered. */
    @Override
    public void readConfig(long offset, byte[] data) {
        if (mac.isEmpty()) return;
        byte[] m = mac.get().bytes();
        for (int i = 0; i < data.length; i++) {
            long at = offset + i;
            if (at >= 0 && at < m.length) data[i] = m[(int) at];
        }
    }

    @Override
    public void writeConfig(long offset, byte[] data) {
        // mac is read-only without VIRTIO_NET_F_CTRL_MAC_ADDR, which is not offered
    }

    @Override
    protected void checkActivation(ActivatedQueues q) throws VirtioActivationException {
        if (!q.isReady(RX_QUEUE) || !q.isReady(TX_QUEUE)) {
            throw new VirtioActivationException(name + " needs both its receive (0) and transmit (1) queues set up");
        }
    }

    @Override
    protected void activated() {
        rxResumeAt = Long.MAX_VALUE;
        txResumeAt = Long.MAX_VALUE;
        watch(true);
    }

    @Override
    protected void deactivated() {
        watch(false);
        rx.forget();
    }

    @Override
    public void queueKicked(int q) {
        if (limitsChanged) {
            limitsChanged = false;
            rxResumeAt = Math.min(rxResumeAt, System.nanoTime());
            txResumeAt = Math.min(txResumeAt, System.nanoTime());
        }
        if (q == TX_QUEUE) {
            if (txResumeAt == Long.MAX_VALUE || System.nanoTime() - txResumeAt >= 0) runTx();
        } else if (rxResumeAt == Long.MAX_VALUE || System.nanoTime() - rxResumeAt >= 0) {
            runRx();
        }
    }

    @Override
    public void backendReady(long token, int events) {
        // watching: an event of the same epoll batch may come after a pass that unregistered the fd
        if (token == BACKEND_TOKEN && watching) runRx();
    }

    @Override
    public void deadlineReached() {
        long now = System.nanoTime();
        if (txResumeAt != Long.MAX_VALUE && now - txResumeAt >= 0) runTx();
        if (rxResumeAt != Long.MAX_VALUE && now - rxResumeAt >= 0) runRx();
        armDeadline();
    }

    private void runTx() {
        txResumeAt = Long.MAX_VALUE;
        PathStop stop = tx.run(queues.queue(TX_QUEUE), worker::mayTakeChain);
        if (stop == PathStop.THROTTLED) {
            txResumeAt = System.nanoTime() + tx.waitNanos();
        } else if (stop == PathStop.YIELDED) {
            worker.kick(TX_QUEUE);   // come back after the other events had their turn
        }
        FrameIoException e = tx.lastError();
        if (e != null && !writeErrorLogged) {
            writeErrorLogged = true;
            log.atWarn().addKeyValue("device", name).log("{}: {} refused a frame (later refusals are only counted): {}",
                    name, backend.describe(), e.getMessage());
        }
        armDeadline();
    }

    private void runRx() {
        rxResumeAt = Long.MAX_VALUE;
        PathStop stop = rx.run(queues.queue(RX_QUEUE), worker::mayTakeChain);
        switch (stop) {
            case DRAINED:
            case YIELDED:
                watch(true);
                break;
            case NO_BUFFERS:
                watch(false);    // the guest's rx kick brings us back
                break;
            case THROTTLED:
                watch(false);
                rxResumeAt = System.nanoTime() + rx.waitNanos();
                break;
            case BACKEND_FAILED:
                watch(false);
                rxResumeAt = System.nanoTime() + BACKEND_RETRY_NANOS;
                if (!readErrorLogged) {
                    readErrorLogged = true;
                    log.atWarn().addKeyValue("device", name).log("{}: reading {} failed (retrying every {} ms, later failures are only counted): {}",
                            name, backend.describe(), BACKEND_RETRY_NANOS / 1_000_000, rx.lastError().getMessage());
                }
                break;
            default:
                throw new IllegalStateException("unhandled " + stop);
        }
        armDeadline();
    }

    /**
     * Registers or unregisters the backend's fd. Not a mask of 0: epoll reports EPOLLERR/EPOLLHUP
     * whatever the mask, so a failed backend (a deleted TAP) left registered would wake the worker
     * in a loop.
     */
    private void watch(boolean on) {
        if (on == watching) return;
        if (on) {
            worker.addBackend(backend.pollFd(), LibC.EPOLLIN, BACKEND_TOKEN);
        } else {
            worker.removeBackend(backend.pollFd());
        }
        watching = on;
    }

    private void armDeadline() {
        worker.setDeadline(Math.min(rxResumeAt, txResumeAt));
    }

    /** True while the worker waits for the backend to become readable (for tests and metrics). Any thread. */
    public boolean watchingBackend() {
        return watching;
    }

    @Override
    public void close() {
        try {
            super.close();
        } finally {
            backend.close();
        }
    }
}
