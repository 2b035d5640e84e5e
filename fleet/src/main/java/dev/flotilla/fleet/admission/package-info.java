/**
 * Admission of VM creations (POST /vms and InstanceStart): a token bucket with a sustained rate and a
 * burst. Over it the fleet answers at once with RATE_LIMITED and a Retry-After computed from the bucket,
 * so a burst is never queued without bound and never dropped silently: every request gets an answer
 * within one actor turn.
 *
 * <p>Why not {@code dev.flotilla.vm.ratelimit.TokenBucket}: it was not on main when this was written,
 * and admission needs less than Firecracker's device semantics (no one-time burst, no over-consumption,
 * no byte accounting) but does need "how long until the next token" for Retry-After. A refused creation
 * that already took a token (no capacity) gives it back.
 */
package dev.flotilla.fleet.admission;
