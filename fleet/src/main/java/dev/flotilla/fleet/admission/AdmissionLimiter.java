package dev.flotilla.fleet.admission;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The creation token bucket: {@code burst} tokens, refilled continuously at {@code ratePerSecond}; each
 * admitted creation takes one. A refusal says how long until a token is back, which becomes the 429's
 * Retry-After. Not thread-safe: the fleet actor owns it.
 */
public final class AdmissionLimiter {

    private static final double NANOS_PER_SECOND = 1e9;

    private final double ratePerSecond;
    private final int burst;
    private final LongSupplier nanoClock;
    private double tokens;
    private long lastRefill;
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
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
        this.nanoClock = nanoClock;
        this.tokens = burst;
        this.lastRefill = nanoClock.getAsLong();
    }

    /** The outcome of one admission attempt. */
    public record Decision(boolean admitted, Duration retryAfter) {}

    /** Takes a token if there is one; otherwise says when there will be. */
    public Decision tryAdmit() {
        refill();
        if (tokens >= 1) {
            tokens -= 1;
            admitted++;
            return new Decision(true, Duration.ZERO);
        }
        rejected++;
        long waitNanos = (long) Math.ceil((1 - tokens) / ratePerSecond * NANOS_PER_SECOND);
        return new Decision(false, Duration.ofNanos(Math.max(1, waitNanos)));
    }

    /** Gives back a token taken by a creation that was then refused for another reason (no capacity). */
    public void refund() {
        tokens = Math.min(burst, tokens + 1);
        admitted--;
    }

    public double tokens() {
        refill();
        return tokens;
    }

    public long admittedCount() {
        return admitted;
    }

    public long rejectedCount() {
        return rejected;
    }

    private void refill() {
        long now = nanoClock.getAsLong();
        long elapsed = now - lastRefill;
        if (elapsed > 0) {
            tokens = Math.min(burst, tokens + elapsed * ratePerSecond / NANOS_PER_SECOND);
            lastRefill = now;
        }
    }
}
