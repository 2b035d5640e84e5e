package dev.flotilla.fleet.restart;

import java.time.Duration;

/**
 * How restarts are paced: the first restart after {@code minBackoff}, each quick one after twice the
 * previous, at most {@code maxBackoff}; after {@code maxQuickRestarts} restarts in a row whose runs
 * each lasted less than {@code stableAfter}, the fleet gives up, so a crash-looping guest cannot spin the host.
 */
public record RestartSettings(Duration minBackoff, Duration maxBackoff, int maxQuickRestarts, Duration stableAfter) {

    public static final RestartSettings DEFAULT =
            new RestartSettings(Duration.ofMillis(200), Duration.ofSeconds(10), 5, Duration.ofSeconds(30));

    public RestartSettings {
        if (minBackoff.isNegative() || minBackoff.isZero()) throw new IllegalArgumentException("restart min-backoff must be > 0");
        if (maxBackoff.compareTo(minBackoff) < 0) throw new IllegalArgumentException("restart max-backoff must be >= min-backoff");
        if (maxQuickRestarts < 0) throw new IllegalArgumentException("restart max-quick-restarts must be >= 0");
        if (stableAfter.isNegative()) throw new IllegalArgumentException("restart stable-after must be >= 0");
    }
}
