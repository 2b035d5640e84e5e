package dev.flotilla.fleet;

import dev.flotilla.fleet.store.StoreStats;
import dev.flotilla.vm.VmState;
import java.util.Map;

/**
 * The fleet's counters, for metrics: creations admitted (placed) and refused since start, VMs by state
 * now, hosts joined, and the desired-state store's write batching and latency.
 */
public record FleetStats(long admitted, long rateLimited, long noCapacity, Map<VmState, Integer> vmsByState, int hosts,
                         StoreStats store) {
    public FleetStats {
        vmsByState = Map.copyOf(vmsByState);
    }
}
