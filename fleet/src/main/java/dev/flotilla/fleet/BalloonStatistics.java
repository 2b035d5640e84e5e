package dev.flotilla.fleet;

import java.util.Map;

/**
 * A running VM's balloon statistics, Firecracker's {@code BalloonStats}: the target and actual size, and the
 * guest's memory statistics as last reported, keyed by Firecracker's field names (swap_in, free_memory, ...;
 * only those the guest reported).
 */
public record BalloonStatistics(long targetPages, long actualPages, long targetMib, long actualMib,
                                Map<String, Long> guestStatistics) {
    public BalloonStatistics {
        guestStatistics = Map.copyOf(guestStatistics == null ? Map.of() : guestStatistics);
    }
}
