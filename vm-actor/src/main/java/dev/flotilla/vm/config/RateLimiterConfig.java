package dev.flotilla.vm.config;

import java.util.Optional;

/** Firecracker's {@code RateLimiter}: a {@code bandwidth} bucket (bytes) and an {@code ops} bucket (requests). */
public record RateLimiterConfig(Optional<TokenBucketConfig> bandwidth, Optional<TokenBucketConfig> ops) {

    public static final RateLimiterConfig NONE = new RateLimiterConfig(Optional.empty(), Optional.empty());

    public RateLimiterConfig {
        if (bandwidth == null || ops == null) throw new IllegalArgumentException("use Optional.empty() for an absent bucket");
    }
}
