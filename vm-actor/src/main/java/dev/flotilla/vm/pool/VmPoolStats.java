package dev.flotilla.vm.pool;

import java.util.Map;

/**
 * A consistent snapshot of a pool's counters (all taken under the pool's lock).
 *
 * @param hits         takes that got a pre-created VM
 * @param misses       takes of a pooled shape that found none ready (built cold instead)
 * @param unserved     takes of a shape the pool does not keep (not counted as misses)
 * @param built        VMs the refill threads created (always hits + discarded + ready)
 * @param failures     refill attempts that failed (each followed by a backoff)
 * @param discarded    pooled VMs released unused (at close, or built after close began)
 * @param ready        VMs ready now, per pooled shape
 * @param targets      the configured targets
 * @param refill       how long refill builds took (wall time, the recent ones)
 */
public record VmPoolStats(long hits, long misses, long unserved, long built, long failures, long discarded,
                          Map<VmShape, Integer> ready, Map<VmShape, Integer> targets, RefillTimes refill) {

    public VmPoolStats {
        ready = Map.copyOf(ready);
        targets = Map.copyOf(targets);
    }

    /**
     * Wall time of refill builds: median / p95 over the last {@code window} builds at most, max over all.
     */
    public record RefillTimes(long count, int window, double medianMs, double p95Ms, double maxMs) {}

    /** Hits over takes of pooled shapes; NaN before the first take. */
    public double hitRatio() {
        long takes = hits + misses;
        return takes == 0 ? Double.NaN : (double) hits / takes;
    }

    /** One line for logs and the bench's stderr. */
    public String describe() {
        return ("pool: hits %d, misses %d, unserved %d, built %d, failures %d, discarded %d, ready %s of %s,"
                + " refill median %.2f ms / p95 %.2f ms / max %.2f ms (%d builds)").formatted(hits, misses, unserved,
                built, failures, discarded, ready, targets, refill.medianMs(), refill.p95Ms(), refill.maxMs(), refill.count());
    }
}
