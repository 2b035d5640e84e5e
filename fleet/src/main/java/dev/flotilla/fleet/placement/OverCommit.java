package dev.flotilla.fleet.placement;

/**
 * How far a host's physical resources are promised: capacity = physical × ratio. vCPUs are usually
 * over-committed (idle microVMs cost no CPU); memory much less, since guest RAM is touched lazily but
 * not returned without a balloon.
 *
 * @param cpuRatio    vCPUs per host core, &ge; 1 is typical; &gt; 0
 * @param memoryRatio guest MiB per host MiB; &gt; 0
 */
public record OverCommit(double cpuRatio, double memoryRatio) {

    /** No over-commit: one vCPU per core, guest RAM up to host RAM. */
    public static final OverCommit NONE = new OverCommit(1, 1);

    public OverCommit {
        if (!(cpuRatio > 0) || !(memoryRatio > 0) || Double.isInfinite(cpuRatio) || Double.isInfinite(memoryRatio)) {
            throw new IllegalArgumentException("over-commit ratios must be positive numbers: cpu " + cpuRatio
                    + ", memory " + memoryRatio);
        }
    }

    public int vcpus(int cores) {
        return (int) Math.min(Integer.MAX_VALUE, Math.floor(cores * cpuRatio));
    }

    public long memoryMib(long physicalMib) {
        return (long) Math.floor(physicalMib * memoryRatio);
    }
}
