package dev.flotilla.vm.ratelimit;

import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A device's I/O rate limiter: a bandwidth bucket (bytes) and an ops bucket (requests), either
 * optional, as Firecracker configures them for drives and network interfaces.
 *
 * <p>{@link #consume(long)} takes one op and {@code bytes} bytes together or not at all, so a
 * refused request leaves both buckets as they were. A refused queue does not spin: it asks
 * {@link #nanosUntilAvailable()} and schedules its own resumption (a timer, or an epoll timeout).
 * {@link #update} applies a PATCH while the device runs.
 *
 * <p>Thread-safe: one lock around both buckets; consume is a few arithmetic operations.
 */
public final class RateLimiter {

    /** The shortest retry a refused queue schedules: see {@link #nanosUntilRetry()}. */
    static final long MIN_RETRY_NANOS = 100_000;

    private final LongSupplier clock;
    private TokenBucket bandwidth;
    private TokenBucket ops;
    private long lastRefusedBytes = -1;
    private long allowed;
    private long throttled;
    private long overconsumptions;

    /**
     * @param bandwidth bytes bucket, or null / a disabled config for no byte limit
     * @param ops       requests bucket, or null / a disabled config for no request limit
     * @param nanoClock monotonic nanoseconds ({@code System::nanoTime} outside tests)
     */
    public RateLimiter(BucketConfig bandwidth, BucketConfig ops, LongSupplier nanoClock) {
        this.clock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.bandwidth = bucket(bandwidth);
        this.ops = bucket(ops);
    }

    public RateLimiter(BucketConfig bandwidth, BucketConfig ops) {
        this(bandwidth, ops, System::nanoTime);
    }

    /** A limiter that never refuses. */
    public static RateLimiter unlimited() {
        return new RateLimiter(null, null);
    }

    private TokenBucket bucket(BucketConfig config) {
        return config == null || config.disabled() ? null : new TokenBucket(config, clock);
    }

    /**
     * Takes one operation and {@code bytes} bytes, both or neither.
     *
     * @return true if the request may proceed now
     */
    public synchronized boolean consume(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("RateLimiter.consume: negative byte count " + bytes);
        }
        BucketReduction b = BucketReduction.OK;
        BucketReduction o = BucketReduction.OK;
        if (bandwidth != null) {
            bandwidth.refill();
            b = bandwidth.peek(bytes);
        }
        if (ops != null) {
            ops.refill();
            o = ops.peek(1);
        }
        if (!b.allowed() || !o.allowed()) {
            throttled++;
            lastRefusedBytes = bytes;
            return false;
        }
        if (bandwidth != null) {
            bandwidth.commit(bytes, b);
        }
        if (ops != null) {
            ops.commit(1, o);
        }
        if (b == BucketReduction.OVERCONSUMPTION || o == BucketReduction.OVERCONSUMPTION) {
            overconsumptions++;
        }
        allowed++;
        lastRefusedBytes = -1;
        return true;
    }

    /** Gives back one op and {@code bytes} for a request that was consumed but then not carried out. */
    public synchronized void replenish(long bytes) {
        if (bandwidth != null) {
            bandwidth.replenish(bytes);
        }
        if (ops != null) {
            ops.replenish(1);
        }
    }

    /** Nanoseconds until a request of {@code bytes} would pass; 0 if it would now. */
    public synchronized long nanosUntilAvailable(long bytes) {
        long wait = 0;
        if (bandwidth != null) {
            wait = Math.max(wait, bandwidth.nanosUntil(bytes));
        }
        if (ops != null) {
            wait = Math.max(wait, ops.nanosUntil(1));
        }
        return wait;
    }

    /**
     * Nanoseconds until the request last refused would pass (what a throttled queue retries), or
     * until a zero-byte request would if the last one passed. 0 if it would now.
     */
    public synchronized long nanosUntilAvailable() {
        return nanosUntilAvailable(Math.max(0, lastRefusedBytes));
    }

    /**
     * How long a queue whose request was refused waits before it tries again: {@link #nanosUntilAvailable()},
     * but at least 100 µs, so a bucket that is all but full does not spin its worker.
     */
    public long nanosUntilRetry() {
        return Math.max(nanosUntilAvailable(), MIN_RETRY_NANOS);
    }

    /** True if the last request was refused and would still be refused now. */
    public synchronized boolean isThrottled() {
        return lastRefusedBytes >= 0 && nanosUntilAvailable() > 0;
    }

    /** Applies a PATCH: each bucket is kept, removed, or replaced by a new full one. */
    public synchronized void update(BucketUpdate bandwidthUpdate, BucketUpdate opsUpdate) {
        bandwidth = apply(bandwidth, bandwidthUpdate);
        ops = apply(ops, opsUpdate);
    }

    private TokenBucket apply(TokenBucket current, BucketUpdate update) {
        Objects.requireNonNull(update, "update");
        if (update instanceof BucketUpdate.Replace r) {
            return bucket(r.config());
        }
        return update instanceof BucketUpdate.Disable ? null : current;
    }

    /** True if neither bucket is configured. */
    public synchronized boolean isUnlimited() {
        return bandwidth == null && ops == null;
    }

    public synchronized RateLimiterMetrics metrics() {
        return new RateLimiterMetrics(allowed, throttled, overconsumptions);
    }

    /** The byte bucket, or null if bytes are not limited: for inspection. */
    public synchronized TokenBucket bandwidth() {
        return bandwidth;
    }

    /** The ops bucket, or null if requests are not limited: for inspection. */
    public synchronized TokenBucket ops() {
        return ops;
    }
}
