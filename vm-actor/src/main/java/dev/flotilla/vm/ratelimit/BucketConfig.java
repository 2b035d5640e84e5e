package dev.flotilla.vm.ratelimit;

/**
 * One token bucket as Firecracker's API describes it ({@code "bandwidth": {"size": ...,
 * "one_time_burst": ..., "refill_time": ...}}).
 *
 * @param size          tokens the bucket holds when full (bytes, or operations)
 * @param oneTimeBurst  extra tokens available once at the start, never refilled
 * @param refillTimeMs  milliseconds to refill {@code size} tokens from empty
 */
public record BucketConfig(long size, long oneTimeBurst, long refillTimeMs) {

    public BucketConfig {
        if (size < 0 || oneTimeBurst < 0 || refillTimeMs < 0) {
            throw new IllegalArgumentException("token bucket: size " + size + ", one_time_burst " + oneTimeBurst
                    + " and refill_time " + refillTimeMs + " ms must all be zero or positive");
        }
        if (refillTimeMs > Long.MAX_VALUE / 1_000_000L) {
            throw new IllegalArgumentException("token bucket: refill_time " + refillTimeMs + " ms is too long");
        }
    }

    /** A bucket of {@code size} tokens refilled every {@code refillTimeMs}, without burst. */
    public static BucketConfig of(long size, long refillTimeMs) {
        return new BucketConfig(size, 0, refillTimeMs);
    }

    /** Firecracker's rule: a zero size or a zero refill time means no limit at all. */
    public boolean disabled() {
        return size == 0 || refillTimeMs == 0;
    }
}
