package dev.flotilla.fleet.placement;

/**
 * One host as placement sees it: capacity (over-commit applied) and what is allocated to VMs placed there.
 * Memory allocated includes the per-VM overhead of each VM placed; a new VM needs its guest RAM plus
 * {@code vmOverheadMib}.
 */
public record HostLoad(String name, int vcpuCapacity, long memMibCapacity, int vcpusAllocated, long memMibAllocated,
                       int vmCount, long vmOverheadMib) {

    /** A host that charges no per-VM overhead. */
    public HostLoad(String name, int vcpuCapacity, long memMibCapacity, int vcpusAllocated, long memMibAllocated, int vmCount) {
        this(name, vcpuCapacity, memMibCapacity, vcpusAllocated, memMibAllocated, vmCount, 0);
    }

    public boolean fits(int vcpus, long memMib) {
        return vcpusFit(vcpus) && memoryFits(memMib);
    }

    boolean vcpusFit(int vcpus) {
        return vcpusAllocated + (long) vcpus <= vcpuCapacity;
    }

    boolean memoryFits(long memMib) {
        return memMibAllocated + memMib + vmOverheadMib <= memMibCapacity;
    }

    /** How full the host would be with the VM added: the larger of the cpu and memory fractions. */
    double loadWith(int vcpus, long memMib) {
        double cpu = vcpuCapacity == 0 ? 1 : (vcpusAllocated + (double) vcpus) / vcpuCapacity;
        double mem = memMibCapacity == 0 ? 1 : (memMibAllocated + (double) memMib + vmOverheadMib) / memMibCapacity;
        return Math.max(cpu, mem);
    }
}
