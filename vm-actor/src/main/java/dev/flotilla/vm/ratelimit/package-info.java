/**
 * Token-bucket rate limiting for device I/O, with Firecracker's semantics and API shape.
 *
 * <p>{@link dev.flotilla.vm.ratelimit.TokenBucket}: size, one-time burst, refill time; starts full;
 * exact integer refill (no drift however often it is polled); a request larger than the bucket
 * passes once and is paid for by the time it takes to refill the excess; size 0 or refill time 0
 * disables it. {@link dev.flotilla.vm.ratelimit.RateLimiter}: an optional bytes bucket and an
 * optional ops bucket consumed together or not at all, the time until a refused request would pass
 * (so a throttled queue arms a timer instead of polling), PATCH updates while running, counters.
 *
 * <p>One difference from Firecracker, on purpose: an overconsumption is recorded as a negative
 * budget (a debt) rather than as a separate "blocked" timer on the limiter. The effect on the
 * guest is the same — nothing passes until refill has paid the excess — but it needs no timer
 * object, keeps one source of truth, and the long-run rate holds exactly.
 *
 * <p>Time comes from an injected {@code LongSupplier} of nanoseconds, so tests run on a fake clock.
 */
package dev.flotilla.vm.ratelimit;
