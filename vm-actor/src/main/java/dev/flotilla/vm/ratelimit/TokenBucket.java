package dev.flotilla.vm.ratelimit;

import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A token bucket with Firecracker's semantics: it starts full, refills continuously at
 * {@code size} tokens per {@code refillTimeMs}, spends a one-time burst before its budget, and lets
 * a request larger than the whole bucket through once (see {@link BucketReduction#OVERCONSUMPTION}).
 * A zero size or refill time disables it: everything passes.
 *
 * <p>Refill is exact integer arithmetic: tokens per nanosecond is kept as a reduced fraction and
 * the remainder of each refill is carried to the next, so no fractional token is ever lost or
 * invented however often the bucket is polled (Firecracker reduces size and refill time by their
 * gcd for the same reason).
 *
 * <p>Thread-safe (synchronized); the clock is injectable for tests.
 */
public final class TokenBucket {

    private final long size;
    private final long refillTimeMs;
    private final boolean disabled;
    /** size / gcd and refillNanos / gcd: tokens per nanosecond as an exact fraction. */
    private final long tokensPerPeriod;
    private final long nanosPerPeriod;
    private final LongSupplier clock;

    /** Tokens available; negative while paying off an overconsumption. */
    private long budget;
    private long oneTimeBurst;
    /** The clock reading up to which refill has been accounted. */
    private long lastUpdate;
    /**
     * Progress towards the next token, in units of 1/nanosPerPeriod token (0 .. nanosPerPeriod-1):
     * the exact remainder of past refills, so polling often neither loses nor invents a fraction.
     */
    private long carry;

    public TokenBucket(BucketConfig config, LongSupplier nanoClock) {
        Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.size = config.size();
        this.refillTimeMs = config.refillTimeMs();
        this.disabled = config.disabled();
        this.oneTimeBurst = config.oneTimeBurst();
        this.budget = size;
        this.lastUpdate = clock.getAsLong();
        if (disabled) {
            tokensPerPeriod = 0;
            nanosPerPeriod = 1;
        } else {
            long refillNanos = refillTimeMs * 1_000_000L;
            long g = MulDiv.gcd(size, refillNanos);
            tokensPerPeriod = size / g;
            nanosPerPeriod = refillNanos / g;
        }
    }

    public TokenBucket(long size, long oneTimeBurst, long refillTimeMs, LongSupplier nanoClock) {
        this(new BucketConfig(size, oneTimeBurst, refillTimeMs), nanoClock);
    }

    public long size() {
        return size;
    }

    public long refillTimeMs() {
        return refillTimeMs;
    }

    public boolean isDisabled() {
        return disabled;
    }

    /** Tokens available now (negative while an overconsumption is being paid off). */
    public synchronized long budget() {
        refill();
        return budget;
    }

    /** What is left of the one-time burst. */
    public synchronized long oneTimeBurst() {
        return oneTimeBurst;
    }

    /** Takes {@code tokens}, or nothing if they are not there (see {@link BucketReduction}). */
    public synchronized BucketReduction reduce(long tokens) {
        requireNonNegative(tokens);
        if (disabled) {
            return BucketReduction.OK;
        }
        refill();
        BucketReduction r = peek(tokens);
        commit(tokens, r);
        return r;
    }

    /**
     * Gives back {@code tokens} taken for work that did not happen (a request that was put back
     * on its queue): into the one-time burst while that lasts, else into the budget, never above
     * a full bucket.
     */
    public synchronized void replenish(long tokens) {
        requireNonNegative(tokens);
        if (disabled) {
            return;
        }
        if (oneTimeBurst > 0) {
            oneTimeBurst += tokens;
        } else {
            budget = tokens >= size - budget ? size : budget + tokens;
        }
    }

    /** Nanoseconds until {@code reduce(tokens)} would succeed; 0 if it would now. */
    public synchronized long nanosUntil(long tokens) {
        requireNonNegative(tokens);
        if (disabled) {
            return 0;
        }
        refill();
        long rest = tokens - Math.min(oneTimeBurst, tokens);
        long need = rest > size ? 0 : rest;   // an oversized request only needs a debt-free bucket
        if (rest == 0 || budget >= need) {
            return 0;
        }
        long deficit = need - budget;
        // refill() left lastUpdate at now: the time to accrue deficit tokens, less the carried fraction.
        long[] qr = MulDiv.divMod(deficit, nanosPerPeriod, 0, 1);
        long units = qr[0] - carry;
        return Math.max(1, units / tokensPerPeriod + (units % tokensPerPeriod == 0 ? 0 : 1));
    }

    // ---- used by RateLimiter to take from two buckets atomically; callers hold this bucket's lock ----

    /** Brings the budget up to date with the clock. */
    synchronized void refill() {
        if (disabled) {
            return;
        }
        long now = clock.getAsLong();
        long elapsed = now - lastUpdate;
        if (elapsed <= 0) {
            return;
        }
        lastUpdate = now;
        if (budget >= size) {
            carry = 0;   // a full bucket does not bank time
            return;
        }
        long[] qr = MulDiv.divMod(elapsed, tokensPerPeriod, carry, nanosPerPeriod);
        long tokens = qr[0];
        if (tokens >= size - budget) {
            budget = size;
            carry = 0;
        } else {
            budget += tokens;
            carry = qr[1];
        }
    }

    /** What reduce(tokens) would answer now, taking nothing. Call after {@link #refill()}. */
    synchronized BucketReduction peek(long tokens) {
        if (disabled) {
            return BucketReduction.OK;
        }
        long rest = tokens - Math.min(oneTimeBurst, tokens);
        if (rest == 0 || rest <= budget) {
            return BucketReduction.OK;
        }
        if (rest > size && budget >= 0) {
            return BucketReduction.OVERCONSUMPTION;
        }
        return BucketReduction.FAILURE;
    }

    /** Takes the tokens {@code peek} allowed. */
    synchronized void commit(long tokens, BucketReduction r) {
        if (disabled || !r.allowed()) {
            return;
        }
        long fromBurst = Math.min(oneTimeBurst, tokens);
        oneTimeBurst -= fromBurst;
        // The floor keeps size - budget representable whatever a caller asks for.
        budget = Math.max(budget - (tokens - fromBurst), size - Long.MAX_VALUE);
    }

    private static void requireNonNegative(long tokens) {
        if (tokens < 0) {
            throw new IllegalArgumentException("token bucket: cannot take a negative number of tokens (" + tokens + ")");
        }
    }

    @Override
    public synchronized String toString() {
        return disabled ? "TokenBucket{disabled}"
                : "TokenBucket{size=" + size + ", refill=" + refillTimeMs + "ms, budget=" + budget
                        + ", burst=" + oneTimeBurst + "}";
    }
}
