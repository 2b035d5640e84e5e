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

    /** The refusal when nothing fits, with the largest free space seen so the user can size down. */
    public static String noCapacityMessage(List<HostLoad> hosts, int vcpus, long memMib) {
        if (hosts.isEmpty()) {
            return "no host has joined the fleet yet: start a host agent, then retry";
        }
        int freeCpu = hosts.stream().mapToInt(h -> h.vcpuCapacity() - h.vcpusAllocated()).max().orElse(0);
        long freeMem = hosts.stream().mapToLong(h -> h.memMibCapacity() - h.memMibAllocated()).max().orElse(0);
        return "no host can take a VM of " + vcpus + " vCPU(s) and " + memMib + " MiB: the most free on any of "
                + hosts.size() + " host(s) is " + Math.max(0, freeCpu) + " vCPU(s) and " + Math.max(0, freeMem)
                + " MiB; delete VMs, size this one down, or raise the over-commit ratios";
    }
}
