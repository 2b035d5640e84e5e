package dev.flotilla.vm.devices.net;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one virtio-net device: written by its worker, read by anyone. Frame byte counts are
 * Ethernet frame lengths (the 12-byte virtio header excluded); rate limiters are charged frame + header,
 * the bytes that cross the queue, as Firecracker does.
 */
public final class NetMetrics {

    final LongAdder rxFrames = new LongAdder();
    final LongAdder rxBytes = new LongAdder();
    final LongAdder txFrames = new LongAdder();
    final LongAdder txBytes = new LongAdder();
    final LongAdder rxDropped = new LongAdder();
    final LongAdder txDropped = new LongAdder();
    final LongAdder rxThrottled = new LongAdder();
    final LongAdder txThrottled = new LongAdder();
    final LongAdder rxMalformed = new LongAdder();
    final LongAdder txMalformed = new LongAdder();
    final LongAdder tapReadErrors = new LongAdder();
    final LongAdder tapWriteErrors = new LongAdder();

    /** A point-in-time copy, for reports and tests. */
    public record Snapshot(long rxFrames, long rxBytes, long txFrames, long txBytes, long rxDropped, long txDropped,
                           long rxThrottled, long txThrottled, long rxMalformed, long txMalformed,
                           long tapReadErrors, long tapWriteErrors) {
    }

    public Snapshot snapshot() {
        return new Snapshot(rxFrames.sum(), rxBytes.sum(), txFrames.sum(), txBytes.sum(), rxDropped.sum(),
                txDropped.sum(), rxThrottled.sum(), txThrottled.sum(), rxMalformed.sum(), txMalformed.sum(),
                tapReadErrors.sum(), tapWriteErrors.sum());
    }

    /** Frames delivered to the guest. */
    public long rxFrames() {
        return rxFrames.sum();
    }

    public long rxBytes() {
        return rxBytes.sum();
    }

    /** Frames the guest sent that reached the backend. */
    public long txFrames() {
        return txFrames.sum();
    }

    public long txBytes() {
        return txBytes.sum();
    }

    /** Host frames not delivered: larger than the guest's receive buffer. */
    public long rxDropped() {
        return rxDropped.sum();
    }

    /** Guest frames not sent: oversized, or refused by the backend (full, down, failed). */
    public long txDropped() {
        return txDropped.sum();
    }

    /** Times the receive direction stopped for its rate limiter. */
    public long rxThrottled() {
        return rxThrottled.sum();
    }

    /** Times the transmit direction stopped for its rate limiter. */
    public long txThrottled() {
        return txThrottled.sum();
    }

    /** Receive buffers too small to hold even the virtio header, completed empty. */
    public long rxMalformed() {
        return rxMalformed.sum();
    }

    /** Transmit chains shorter than the virtio header, completed without sending. */
    public long txMalformed() {
        return txMalformed.sum();
    }

    public long tapReadErrors() {
        return tapReadErrors.sum();
    }

    public long tapWriteErrors() {
        return tapWriteErrors.sum();
    }
}
