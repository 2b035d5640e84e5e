package dev.flotilla.vm.config;

import java.util.Optional;

/** Firecracker's {@code RateLimiter}: a {@code bandwidth} bucket (bytes) and an {@code ops} bucket (requests). */
public record RateLimiterConfig(Optional<TokenBucketConfig> bandwidth, Optional<TokenBucketConfig> ops) {

    public static final RateLimiterConfig NONE = new RateLimiterConfig(Optional.empty(), Optional.empty());

    public RateLimiterConfig {
        if (bandwidth == null || ops == null) throw new IllegalArgumentException("use Optional.empty() for an absent bucket");
    }

    /** A live limiter with these buckets (an absent bucket does not limit). */
    public dev.flotilla.vm.ratelimit.RateLimiter newLimiter() {
        return new dev.flotilla.vm.ratelimit.RateLimiter(bucket(bandwidth), bucket(ops));
    }

    /** The PATCH form: a present bucket replaces the live one, an absent one is kept (Firecracker's semantics). */
    public void applyTo(dev.flotilla.vm.ratelimit.RateLimiter limiter) {
        limiter.update(dev.flotilla.vm.ratelimit.BucketUpdate.fromPatch(bandwidth.map(TokenBucketConfig::toBucketConfig).orElse(null)),
                dev.flotilla.vm.ratelimit.BucketUpdate.fromPatch(ops.map(TokenBucketConfig::toBucketConfig).orElse(null)));
    }

    private static dev.flotilla.vm.ratelimit.BucketConfig bucket(Optional<TokenBucketConfig> b) {
        return b.map(TokenBucketConfig::toBucketConfig).orElse(new dev.flotilla.vm.ratelimit.BucketConfig(0, 0, 0));
    }
}
