package dev.flotilla.vm.config;

/**
 * One token bucket of a rate limiter, Firecracker's {@code TokenBucket}: {@code size} tokens refill
 * completely in {@code refillTimeMs}; {@code oneTimeBurst} extra tokens are available once and do not
 * refill. A size or refill time of 0 disables the bucket (no limit).
 */
public record TokenBucketConfig(long size, long oneTimeBurst, long refillTimeMs) {

    public TokenBucketConfig {
        if (size < 0) throw new InvalidConfigException("size", "token bucket size " + size + " is negative: use 0 (off) or more");
        if (oneTimeBurst < 0) throw new InvalidConfigException("one_time_burst", "one_time_burst " + oneTimeBurst + " is negative");
        if (refillTimeMs < 0) throw new InvalidConfigException("refill_time", "refill_time " + refillTimeMs + " ms is negative");
        if (refillTimeMs > 0 && size > 0 && size / refillTimeMs > Long.MAX_VALUE / 1_000_000) {
            throw new InvalidConfigException("size", "token bucket size " + size + " per " + refillTimeMs + " ms is too large");
        }
    }

    public boolean disabled() {
        return size == 0 || refillTimeMs == 0;
    }

    /** The data-path bucket this configures. */
    public dev.flotilla.vm.ratelimit.BucketConfig toBucketConfig() {
        return new dev.flotilla.vm.ratelimit.BucketConfig(size, oneTimeBurst, refillTimeMs);
    }
}
