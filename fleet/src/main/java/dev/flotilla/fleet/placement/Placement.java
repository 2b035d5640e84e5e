package dev.flotilla.fleet.placement;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Chooses the host for a VM of a given size: only hosts with enough free vCPUs and memory qualify; among
 * them the strategy picks by load (the larger of the cpu and memory fractions after placing the VM), ties
 * broken by host name so the choice is deterministic.
 */
public final class Placement {

    private Placement() {}

    public static Optional<String> choose(List<HostLoad> hosts, int vcpus, long memMib, PlacementStrategy strategy) {
        Comparator<HostLoad> byLoad = Comparator.comparingDouble(h -> h.loadWith(vcpus, memMib));
        Comparator<HostLoad> order = (strategy == PlacementStrategy.BIN_PACK ? byLoad.reversed() : byLoad)
                .thenComparing(HostLoad::name);
        return hosts.stream().filter(h -> h.fits(vcpus, memMib)).min(order).map(HostLoad::name);
    }

    /**
     * The refusal when nothing fits: the largest free space seen (so the user can size down), which host
     * limit was hit and the setting that raises it.
     */
    public static String noCapacityMessage(List<HostLoad> hosts, int vcpus, long memMib) {
        if (hosts.isEmpty()) {
            return "no host has joined the fleet yet: start a host agent, then retry";
        }
        int freeCpu = hosts.stream().mapToInt(h -> h.vcpuCapacity() - h.vcpusAllocated()).max().orElse(0);
        long freeMem = hosts.stream().mapToLong(h -> h.memMibCapacity() - h.memMibAllocated()).max().orElse(0);
        long cpuFull = hosts.stream().filter(h -> !h.vcpusFit(vcpus)).count();
        long memFull = hosts.stream().filter(h -> !h.memoryFits(memMib)).count();
        long overhead = hosts.stream().mapToLong(HostLoad::vmOverheadMib).max().orElse(0);
        StringBuilder limits = new StringBuilder();
        if (cpuFull > 0) {
            limits.append("; the vCPU limit (cores x flotilla.fleet.over-commit.cpu) is reached on ").append(cpuFull)
                    .append(" host(s): raise flotilla.fleet.over-commit.cpu");
        }
        if (memFull > 0) {
            limits.append("; the memory budget ((MemTotal - flotilla.fleet.host-memory.reserve - JVM heap) x "
                    + "flotilla.fleet.over-commit.memory) is reached on ").append(memFull).append(" host(s): lower the "
                    + "reserve, or raise flotilla.fleet.over-commit.memory above 1 at the risk of the host's OOM killer "
                    + "ending VMs (see GET /hosts)");
        }
        return "no host can take a VM of " + vcpus + " vCPU(s) and " + memMib + " MiB"
                + (overhead > 0 ? " (+" + overhead + " MiB VMM overhead)" : "") + ": the most free on any of "
                + hosts.size() + " host(s) is " + Math.max(0, freeCpu) + " vCPU(s) and " + Math.max(0, freeMem)
                + " MiB" + limits + "; or delete VMs, or size this one down";
    }
}
