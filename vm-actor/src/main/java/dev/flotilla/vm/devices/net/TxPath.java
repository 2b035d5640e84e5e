package dev.flotilla.vm.devices.net;

import dev.flotilla.kvm.net.Tap;
import dev.flotilla.vm.ratelimit.RateLimiter;
import dev.flotilla.vm.virtio.DescriptorChain;
import dev.flotilla.vm.virtio.SplitQueue;
import java.util.Optional;

/**
 * The transmit direction: each tx chain is a {@link NetHeader} followed by one Ethernet frame, which
 * goes to the backend. A chain shorter than the header, or carrying more than {@link Tap#MAX_FRAME}
 * bytes of frame, is completed without sending and counted. A frame the backend refuses (full, down,
 * failed) is dropped and counted: the guest has handed it over and is not waiting for a status, as on
 * a real NIC. A chain the rate limiter refuses is put back and retried when tokens return.
 * Worker thread only.
 */
final class TxPath {

    static final int BUDGET = 128;

    private final FrameBackend backend;
    private final NetMetrics metrics;
    private final ChainCompleter completer;
    private final RateLimiter limiter;
    private final byte[] frame = new byte[Tap.MAX_FRAME];
    private long waitNanos;
    private FrameIoException lastError;

    TxPath(FrameBackend backend, RateLimiter limiter, NetMetrics metrics, ChainCompleter completer) {
        this.backend = backend;
        this.limiter = limiter;
        this.metrics = metrics;
        this.completer = completer;
    }

    long waitNanos() {
        return waitNanos;
    }

    /** The last backend failure, or null: for the device's log. */
    FrameIoException lastError() {
        return lastError;
    }

    /** Sends frames until the queue is empty, the limiter refuses, or the budget is spent. */
    PathStop run(SplitQueue queue) {
        return run(queue, () -> true);
    }

    /** As {@link #run(SplitQueue)}, also ending the pass (YIELDED) when {@code mayTakeChain} says no: the worker's stop or budget. */
    PathStop run(SplitQueue queue, java.util.function.BooleanSupplier mayTakeChain) {
        for (int turn = 0; turn < BUDGET && mayTakeChain.getAsBoolean(); turn++) {
            Optional<DescriptorChain> next = queue.pop();
            if (next.isEmpty()) {
                if (queue.enableNotification()) continue;   // chains arrived while re-enabling kicks
                return PathStop.DRAINED;
            }
            DescriptorChain chain = next.get();
            long len = chain.readableLength();
            if (len < NetHeader.SIZE) {
                metrics.txMalformed.increment();
                completer.complete(queue, chain, 0);
                continue;
            }
            if (len > NetHeader.SIZE + Tap.MAX_FRAME) {
                metrics.txDropped.increment();
                completer.complete(queue, chain, 0);
                continue;
            }
            if (!limiter.consume(len)) {
                queue.undoPop();
                metrics.txThrottled.increment();
                waitNanos = limiter.nanosUntilRetry();
                return PathStop.THROTTLED;
            }
            int frameLen = (int) len - NetHeader.SIZE;
            chain.read(NetHeader.SIZE, frame, 0, frameLen);
            send(frameLen);
            completer.complete(queue, chain, 0);
        }
        return PathStop.YIELDED;
    }

    private void send(int frameLen) {
        try {
            if (backend.writeFrame(frame, 0, frameLen)) {
                metrics.txFrames.increment();
                metrics.txBytes.add(frameLen);
            } else {
                metrics.txDropped.increment();
            }
        } catch (FrameIoException e) {
            metrics.tapWriteErrors.increment();
            metrics.txDropped.increment();
            lastError = e;
        }
    }
}
