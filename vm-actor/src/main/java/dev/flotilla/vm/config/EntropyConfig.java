package dev.flotilla.vm.config;

import java.util.Optional;

/** A virtio-rng device, Firecracker's {@code EntropyDevice}, with an optional rate limiter. */
public record EntropyConfig(Optional<RateLimiterConfig> rateLimiter) {
    public EntropyConfig {
        if (rateLimiter == null) throw new IllegalArgumentException("use Optional.empty()");
    }
}
