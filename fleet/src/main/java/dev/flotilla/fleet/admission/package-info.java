/**
 * Admission of VM creations (POST /vms and InstanceStart): a token bucket with a sustained rate and a
 * burst. Over it the fleet answers at once with RATE_LIMITED and a Retry-After computed from the bucket,
 * so a burst is never queued without bound and never dropped silently: every request gets an answer
 * within one actor turn. The bucket is {@code dev.flotilla.vm.ratelimit.TokenBucket} (the devices' rate
 * limiter, Firecracker semantics, exact refill), used without one-time burst; a creation that took a
 * token and was then refused for lack of capacity gives it back.
 */
package dev.flotilla.fleet.admission;
