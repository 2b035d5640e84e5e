package dev.flotilla.vm.virtio;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one queue: written by its worker thread, read by anyone (metrics scrapes).
 * LongAdder keeps the writer's cost to a plain add.
 */
public final class QueueMetrics {

    private final LongAdder chainsPopped = new LongAdder();
    private final LongAdder usedAdded = new LongAdder();
    private final LongAdder notificationsSent = new LongAdder();
    private final LongAdder notificationsSuppressed = new LongAdder();
    private final EnumMap<ChainFault, LongAdder> malformed = new EnumMap<>(ChainFault.class);

    public QueueMetrics() {
        for (ChainFault f : ChainFault.values()) {
            malformed.put(f, new LongAdder());
        }
    }

    void recordPopped() {
        chainsPopped.increment();
    }

    void recordUsed() {
        usedAdded.increment();
    }

    void recordNotification(boolean sent) {
        (sent ? notificationsSent : notificationsSuppressed).increment();
    }

    void recordMalformed(ChainFault fault) {
        malformed.get(fault).increment();
    }

    /** Well-formed chains handed to the device. */
    public long chainsPopped() {
        return chainsPopped.sum();
    }

    /** Used-ring entries written, refused chains included. */
    public long usedAdded() {
        return usedAdded.sum();
    }

    /** needsNotification() answers of true. */
    public long notificationsSent() {
        return notificationsSent.sum();
    }

    /** needsNotification() answers of false: interrupts the driver asked us to skip. */
    public long notificationsSuppressed() {
        return notificationsSuppressed.sum();
    }

    /** Refused chains for one reason. */
    public long malformed(ChainFault fault) {
        return malformed.get(fault).sum();
    }

    /** Refused chains, all reasons. */
    public long malformedTotal() {
        long n = 0;
        for (LongAdder a : malformed.values()) {
            n += a.sum();
        }
        return n;
    }

    /** Non-zero refusal counts by reason. */
    public Map<ChainFault, Long> malformedByReason() {
        EnumMap<ChainFault, Long> m = new EnumMap<>(ChainFault.class);
        malformed.forEach((f, a) -> {
            long v = a.sum();
            if (v != 0) {
                m.put(f, v);
            }
        });
        return m;
    }
}
