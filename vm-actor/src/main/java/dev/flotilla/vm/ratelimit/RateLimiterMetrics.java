package dev.flotilla.vm.ratelimit;

/**
 * A snapshot of one limiter's counters.
 *
 * @param allowed           requests that passed
 * @param throttled         requests refused for lack of tokens (Firecracker's {@code *_rate_limiter_throttled})
 * @param overconsumptions  requests larger than a bucket that passed by draining it
 */
public record RateLimiterMetrics(long allowed, long throttled, long overconsumptions) {
}
