package dev.flotilla.fleet.placement;

/**
 * One host as placement sees it: capacity (over-commit applied) and what is allocated to VMs placed there.
 */
public record HostLoad(String name, int vcpuCapacity, long memMibCapacity, int vcpusAllocated, long memMibAllocated,
                       int vmCount) {

    public boolean fits(int vcpus, long memMib) {
        return vcpusAllocated + (long) vcpus <= vcpuCapacity && memMibAllocated + memMib <= memMibCapacity;
    }

    /** How full the host would be with the VM added: the larger of the cpu and memory fractions. */
    double loadWith(int vcpus, long memMib) {
        double cpu = vcpuCapacity == 0 ? 1 : (vcpusAllocated + (double) vcpus) / vcpuCapacity;
        double mem = memMibCapacity == 0 ? 1 : (memMibAllocated + (double) memMib) / memMibCapacity;
        return Math.max(cpu, mem);
    }
}
