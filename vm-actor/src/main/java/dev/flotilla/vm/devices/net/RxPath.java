package dev.flotilla.vm.devices.net;

import dev.flotilla.kvm.net.Tap;
import dev.flotilla.vm.ratelimit.RateLimiter;
import dev.flotilla.vm.virtio.DescriptorChain;
import dev.flotilla.vm.virtio.SplitQueue;
import java.util.Optional;

/**
 * The receive direction: frames from the backend into the guest's rx buffers, one frame per buffer
 * chain (MRG_RXBUF is not offered), each preceded by a {@link NetHeader}.
 * <p>A frame is read only once a buffer is in hand, so nothing is read that cannot be placed; the
 * one exception is a frame the rate limiter refuses, which is held (one frame at most) and delivered
 * first when the limiter allows. A frame larger than the buffer offered is dropped and counted (the
 * buffer stays for the next frame); a buffer too small for the header alone is completed empty and
 * counted. Worker thread only.
 */
final class RxPath {

    /** Chains looked at per pass before the other direction gets a turn. */
    static final int BUDGET = 128;

    private final FrameBackend backend;
    private final NetMetrics metrics;
    private final ChainCompleter completer;
    private final RateLimiter limiter;
    private final byte[] frame = new byte[NetHeader.SIZE + Tap.MAX_FRAME];
    /** Length of the frame held in {@link #frame} after a throttled attempt, or -1. */
    private int held = -1;
    private long waitNanos;
    private FrameIoException lastError;

    RxPath(FrameBackend backend, RateLimiter limiter, NetMetrics metrics, ChainCompleter completer) {
        this.backend = backend;
        this.limiter = limiter;
        this.metrics = metrics;
        this.completer = completer;
    }

    /** After {@link PathStop#THROTTLED}: how long until the limiter would take the held frame. */
    long waitNanos() {
        return waitNanos;
    }

    /** After {@link PathStop#BACKEND_FAILED}: the failure. */
    FrameIoException lastError() {
        return lastError;
    }

    /** True while a throttled frame waits for tokens. */
    boolean holdsFrame() {
        return held >= 0;
    }

    /** Drops the held frame (device reset: the guest's buffers are gone). */
    void forget() {
        held = -1;
    }

    /** Moves frames until the backend or the guest's buffers run out, the limiter refuses, or the budget is spent. */
    PathStop run(SplitQueue queue) {
        return run(queue, () -> true);
    }

    /** As {@link #run(SplitQueue)}, also ending the pass (YIELDED) when {@code mayTakeChain} says no: the worker's stop or budget. */
    PathStop run(SplitQueue queue, java.util.function.BooleanSupplier mayTakeChain) {
        for (int turn = 0; turn < BUDGET && mayTakeChain.getAsBoolean(); turn++) {
            Optional<DescriptorChain> next = queue.pop();
            if (next.isEmpty()) {
                if (queue.enableNotification()) continue;   // buffers arrived while re-enabling kicks
                return PathStop.NO_BUFFERS;
            }
            DescriptorChain chain = next.get();
            long room = chain.writableLength();
            if (room < NetHeader.SIZE) {
                metrics.rxMalformed.increment();
                completer.complete(queue, chain, 0);
                continue;
            }
            if (held < 0) {
                int n;
                try {
                    n = backend.readFrame(frame, NetHeader.SIZE, Tap.MAX_FRAME);
                } catch (FrameIoException e) {
                    queue.undoPop();
                    metrics.tapReadErrors.increment();
                    lastError = e;
                    return PathStop.BACKEND_FAILED;
                }
                if (n == FrameBackend.NO_FRAME) {
                    queue.undoPop();
                    // Buffers in hand: the TAP, not the guest's kicks, says when to go on.
                    queue.disableNotification();
                    return PathStop.DRAINED;
                }
                held = n;
            }
            int total = NetHeader.SIZE + held;
            if (room < total) {
                metrics.rxDropped.increment();
                held = -1;
                queue.undoPop();
                continue;
            }
            if (!limiter.consume(total)) {
                queue.undoPop();
                metrics.rxThrottled.increment();
                waitNanos = limiter.nanosUntilRetry();
                return PathStop.THROTTLED;
            }
            NetHeader.writeReceive(frame, 0);
            int written = chain.write(0, frame, 0, total);
            metrics.rxFrames.increment();
            metrics.rxBytes.add(held);
            held = -1;
            completer.complete(queue, chain, written);
        }
        return PathStop.YIELDED;
    }
}
