package dev.flotilla.fleet;

/**
 * One host's capacity and what is allocated on it (over-commit applied to the capacity figures), how the
 * memory capacity was worked out, and the host's memory pressure as last read by its agent.
 *
 * @param memMibAllocated guest RAM of the VMs placed there plus each one's VMM overhead
 * @param vmOverheadMib   charged per VM on top of its guest RAM
 * @param memTotalMib     the host's MemTotal
 * @param memReserveMib   MemTotal kept for the host and the daemon JVM (not offered to VMs)
 * @param memAvailableMib MemAvailable at the last read, or -1 before the first
 * @param pressureSomeAvg10 PSI memory "some" avg10 (percent), or null without PSI or before the first read
 * @param pressureFullAvg10 PSI memory "full" avg10 (percent), or null
 */
public record HostView(String name, int vcpuCapacity, long memMibCapacity, int vcpusAllocated, long memMibAllocated,
                       int vmCount, String kvmFlavour, long vmOverheadMib, long memTotalMib, long memReserveMib,
                       long memAvailableMib, Double pressureSomeAvg10, Double pressureFullAvg10) {

    /** A host whose memory breakdown and pressure are not known (fakes). */
    public HostView(String name, int vcpuCapacity, long memMibCapacity, int vcpusAllocated, long memMibAllocated,
                    int vmCount, String kvmFlavour) {
        this(name, vcpuCapacity, memMibCapacity, vcpusAllocated, memMibAllocated, vmCount, kvmFlavour, 0, 0, 0, -1,
                null, null);
    }
}
