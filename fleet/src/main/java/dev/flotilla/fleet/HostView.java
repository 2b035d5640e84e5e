package dev.flotilla.fleet;

/** One host's capacity and what is allocated on it (over-commit applied to the capacity figures). */
public record HostView(String name, int vcpuCapacity, long memMibCapacity, int vcpusAllocated, long memMibAllocated,
                       int vmCount, String kvmFlavour) {}
