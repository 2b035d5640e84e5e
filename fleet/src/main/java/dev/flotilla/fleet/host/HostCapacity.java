package dev.flotilla.fleet.host;

import dev.flotilla.fleet.placement.OverCommit;

/**
 * What a host offers the fleet, and how that was worked out (shown in GET /hosts so a refusal can be
 * understood): {@code memMib = floor((memTotalMib - memReserveMib) × memory over-commit)}, and every VM
 * placed there is charged its guest RAM plus {@code vmOverheadMib}.
 *
 * @param vcpus         vCPUs that may be placed (cores × cpu over-commit)
 * @param memMib        MiB that may be committed to VMs (guest RAM plus overhead)
 * @param vmOverheadMib charged per VM on top of its guest RAM
 * @param memTotalMib   the host's MemTotal
 * @param memReserveMib MemTotal kept for the host and the daemon JVM
 */
public record HostCapacity(int vcpus, long memMib, long vmOverheadMib, long memTotalMib, long memReserveMib) {

    public HostCapacity {
        if (vcpus < 0 || memMib < 0 || vmOverheadMib < 0 || memTotalMib < 0 || memReserveMib < 0) {
            throw new IllegalArgumentException("host capacity figures cannot be negative");
        }
    }

    /**
     * The capacity of a host with {@code physical} cores and MemTotal.
     *
     * @param jvmMaxHeapMib the daemon JVM's maximum heap ({@code Runtime.maxMemory()}), reserved when configured
     */
    public static HostCapacity of(HostResources physical, OverCommit overCommit, HostMemorySettings memory,
                                  long jvmMaxHeapMib) {
        long reserve = Math.min(physical.memMib(), memory.reservedMib(jvmMaxHeapMib));
        long budget = physical.memMib() - reserve;
        return new HostCapacity(overCommit.vcpus(physical.vcpus()), overCommit.memoryMib(budget), memory.vmOverheadMib(),
                physical.memMib(), reserve);
    }
}
