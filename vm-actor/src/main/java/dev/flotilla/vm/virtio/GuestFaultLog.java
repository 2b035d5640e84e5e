package dev.flotilla.vm.virtio;

import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of one VM's guest-caused faults (refused register accesses, malformed chains, NEEDS_RESET),
 * rate-limited: at most {@code linesPerInterval} lines per interval; the rest are counted and summarised
 * by the first line of a later interval ("N more faults suppressed in the last interval"). Every fault is
 * still counted where it happened ({@link QueueMetrics}, {@link TransportMetrics}); this only bounds what
 * a guest can write into the host's log. One per VM, shared by its devices; any thread.
 */
public final class GuestFaultLog {

    private static final Logger DEFAULT_LOG = LoggerFactory.getLogger(GuestFaultLog.class);
    public static final int DEFAULT_LINES = 10;
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

    private final Logger log;
    private final String vmId;
    private final LongSupplier nanoClock;
    private final int linesPerInterval;
    private final long intervalNanos;

    // guarded by this
    private long intervalStart;
    private boolean started;
    private int linesInInterval;
    private long suppressedInInterval;
    private long suppressedTotal;

    /**
     * @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime}; a fake one in tests)
     */
    public GuestFaultLog(Logger log, String vmId, LongSupplier nanoClock, int linesPerInterval, Duration interval) {
        if (linesPerInterval < 1 || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("a fault log needs at least 1 line per positive interval");
        }
        this.log = Objects.requireNonNull(log, "log");
        this.vmId = Objects.requireNonNull(vmId, "vmId");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.linesPerInterval = linesPerInterval;
        this.intervalNanos = interval.toNanos();
    }

    /** The default: {@value #DEFAULT_LINES} lines per 10 s, on the real clock. */
    public static GuestFaultLog forVm(String vmId) {
        return new GuestFaultLog(DEFAULT_LOG, vmId, System::nanoTime, DEFAULT_LINES, DEFAULT_INTERVAL);
    }

    /**
     * Logs (at WARN) that {@code device}'s guest driver did {@code what}, unless this interval's lines are
     * spent.
     *
     * @return true if a line was written
     */
    public boolean fault(String device, String what) {
        long suppressedBefore;
        synchronized (this) {
            long now = nanoClock.getAsLong();
            suppressedBefore = 0;
            if (!started || now - intervalStart >= intervalNanos) {
                suppressedBefore = suppressedInInterval;
                started = true;
                intervalStart = now;
                linesInInterval = 0;
                suppressedInInterval = 0;
            }
            if (linesInInterval == linesPerInterval) {
                suppressedInInterval++;
                suppressedTotal++;
                return false;
            }
            linesInInterval++;
        }
        if (suppressedBefore > 0) {
            log.atWarn().addKeyValue("vm", vmId).addKeyValue("suppressed", suppressedBefore)
                    .log("VM {}: {} more guest faults suppressed in the last interval (each is counted in the device metrics)",
                            vmId, suppressedBefore);
        }
        log.atWarn().addKeyValue("vm", vmId).addKeyValue("device", device)
                .log("VM {}: guest driver of {}: {}", vmId, device, what);
        return true;
    }

    /** Fault lines not written since the start, for metrics. */
    public synchronized long suppressedTotal() {
        return suppressedTotal;
    }
}
