package dev.flotilla.fleet.admission;

import dev.flotilla.vm.ratelimit.TokenBucket;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The creation token bucket: {@code burst} tokens, refilled continuously at {@code ratePerSecond}; each
 * admitted creation takes one. A refusal says how long until a token is back, which becomes the 429's
 * Retry-After. The bucket is the VMM's Firecracker-semantics {@link TokenBucket} (exact integer refill),
 * sized {@code burst} with a refill time of {@code burst / ratePerSecond} (rounded to whole milliseconds,
 * at least 1). The fleet actor owns it; the counters are not synchronized.
 */
public final class AdmissionLimiter {

    private final TokenBucket bucket;
    private long admitted;
    private long rejected;

    /**
     * @param ratePerSecond sustained creations per second, &gt; 0
     * @param burst         creations admitted back to back from a full bucket, &ge; 1
     * @param nanoClock     {@link System#nanoTime()} outside tests
     */
    public AdmissionLimiter(double ratePerSecond, int burst, LongSupplier nanoClock) {
        if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
            throw new IllegalArgumentException("admission rate " + ratePerSecond + "/s must be a positive number");
        }
        if (burst < 1) throw new IllegalArgumentException("admission burst " + burst + " must be at least 1");
        long refillMs = Math.max(1, Math.round(burst * 1000.0 / ratePerSecond));
        this.bucket = new TokenBucket(burst, 0, refillMs, nanoClock);
    }

    /** The outcome of one admission attempt. */
    public record Decision(boolean admitted, Duration retryAfter) {}

    /** Takes a token if there is one; otherwise says when there will be. */
    public Decision tryAdmit() {
        if (bucket.reduce(1).allowed()) {
            admitted++;
            return new Decision(true, Duration.ZERO);
        }
        rejected++;
        return new Decision(false, Duration.ofNanos(Math.max(1, bucket.nanosUntil(1))));
    }

    /** Gives back a token taken by a creation that was then refused for another reason (no capacity). */
    public void refund() {
        bucket.replenish(1);
        admitted--;
    }

    /** Whole tokens available now. */
    public long tokens() {
        return bucket.budget();
    }

    public long admittedCount() {
        return admitted;
    }

    public long rejectedCount() {
        return rejected;
    }
}
