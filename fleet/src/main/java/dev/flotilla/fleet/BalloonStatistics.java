package dev.flotilla.fleet;

import java.util.LinkedHashMap;
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

    /** The API's view of what the running balloon device reports, with Firecracker's field names. */
    static BalloonStatistics of(dev.flotilla.vm.devices.balloon.BalloonStatistics s) {
        Map<String, Long> guest = new LinkedHashMap<>();
        var g = s.guest();
        g.swapIn().ifPresent(v -> guest.put("swap_in", v));
        g.swapOut().ifPresent(v -> guest.put("swap_out", v));
        g.majorFaults().ifPresent(v -> guest.put("major_faults", v));
        g.minorFaults().ifPresent(v -> guest.put("minor_faults", v));
        g.freeMemory().ifPresent(v -> guest.put("free_memory", v));
        g.totalMemory().ifPresent(v -> guest.put("total_memory", v));
        g.availableMemory().ifPresent(v -> guest.put("available_memory", v));
        g.diskCaches().ifPresent(v -> guest.put("disk_caches", v));
        g.hugetlbAllocations().ifPresent(v -> guest.put("hugetlb_allocations", v));
        g.hugetlbFailures().ifPresent(v -> guest.put("hugetlb_failures", v));
        return new BalloonStatistics(s.targetPages(), s.actualPages(), s.targetMib(), s.actualMib(), guest);
    }
}
