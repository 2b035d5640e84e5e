package dev.flotilla.fleet;

import dev.flotilla.fleet.placement.HostLoad;
import dev.flotilla.fleet.placement.Placement;
import dev.flotilla.fleet.placement.PlacementStrategy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The VMs (ordered by id) and hosts the fleet knows, with the reservations that tie them together: a VM
 * reserves its vCPUs and memory on a host from placement until its run ends or it is deleted. Owned by
 * the fleet actor; not thread-safe.
 */
final class VmRegistry {

    /** GET /vms pages hold at most this many VMs. */
    static final int MAX_PAGE = 1000;
    static final int DEFAULT_PAGE = 100;

    private final TreeMap<String, VmEntry> vms = new TreeMap<>();
    private final TreeMap<String, HostSlot> hosts = new TreeMap<>();
    /** The Idempotency-Keys of the VMs created with one. */
    final CreationRequests creations = new CreationRequests();

    Optional<VmEntry> vm(String id) {
        return Optional.ofNullable(vms.get(id));
    }

    void add(VmEntry e) {
        if (vms.putIfAbsent(e.id(), e) != null) throw new IllegalStateException("VM " + e.id() + " is already registered");
    }

    void remove(VmEntry e) {
        release(e);
        creations.forget(e);
        vms.remove(e.id());
    }

    Collection<VmEntry> vms() {
        return vms.values();
    }

    int size() {
        return vms.size();
    }

    void addHost(HostSlot h) {
        hosts.put(h.name, h);
    }

    Optional<HostSlot> host(String name) {
        return Optional.ofNullable(name == null ? null : hosts.get(name));
    }

    /** Records a host agent's latest memory reading (ignored for a host not or no longer known). */
    void hostMemory(String name, dev.flotilla.fleet.host.MemoryPressure memory) {
        HostSlot h = hosts.get(name);
        if (h != null) h.memory = memory;
    }

    HostSlot removeHost(String name) {
        return hosts.remove(name);
    }

    List<HostView> hostViews() {
        return hosts.values().stream().map(HostSlot::view).toList();
    }

    List<HostLoad> hostLoads() {
        return hosts.values().stream().map(HostSlot::load).toList();
    }

    /**
     * Places and reserves {@code e} on a host.
     *
     * @return empty if reserved, else why no host fits
     */
    Optional<String> reserve(VmEntry e, PlacementStrategy strategy) {
        int vcpus = e.definition.machineConfig().vcpuCount();
        long mem = e.definition.machineConfig().memSizeMib();
        List<HostLoad> loads = hostLoads();
        Optional<String> host = Placement.choose(loads, vcpus, mem, strategy);
        if (host.isEmpty()) return Optional.of(Placement.noCapacityMessage(loads, vcpus, mem));
        HostSlot h = hosts.get(host.get());
        long charged = mem + h.capacity.vmOverheadMib();   // guest RAM plus what KVM and the VMM use for it
        h.vcpusAllocated += vcpus;
        h.memMibAllocated += charged;
        h.vmCount++;
        e.host = h.name;
        e.reservedVcpus = vcpus;
        e.reservedMemMib = charged;
        return Optional.empty();
    }

    /** Gives back {@code e}'s reservation (if any, and if its host is still known). */
    void release(VmEntry e) {
        if (e.host == null) return;
        HostSlot h = hosts.get(e.host);
        if (h != null) {
            h.vcpusAllocated -= e.reservedVcpus;
            h.memMibAllocated -= e.reservedMemMib;
            h.vmCount--;
        }
        e.host = null;
        e.reservedVcpus = 0;
        e.reservedMemMib = 0;
    }

    /**
     * One page of the VMs matching a state (VmState name, any case; empty = any) and all given labels,
     * ordered by id. A negative offset counts as 0; a limit outside 1..{@value #MAX_PAGE} is clamped (0 or
     * less means {@value #DEFAULT_PAGE}).
     */
    FleetProtocol.VmPage list(Optional<String> state, Map<String, String> labels, int offset, int limit) {
        int from = Math.max(0, offset);
        int size = limit <= 0 ? DEFAULT_PAGE : Math.min(limit, MAX_PAGE);
        String wanted = state.map(s -> s.trim().toUpperCase(Locale.ROOT)).filter(s -> !s.isEmpty()).orElse(null);
        List<VmView> page = new ArrayList<>();
        int total = 0;
        for (VmEntry e : vms.values()) {
            if (wanted != null && !e.state.name().equals(wanted)) continue;
            if (!matches(e.definition.labels(), labels)) continue;
            if (total >= from && page.size() < size) page.add(e.view());
            total++;
        }
        return new FleetProtocol.VmPage(List.copyOf(page), total, from, size);
    }

    private static boolean matches(Map<String, String> have, Map<String, String> want) {
        if (want == null) return true;
        for (Map.Entry<String, String> w : want.entrySet()) {
            if (!w.getValue().equals(have.get(w.getKey()))) return false;
        }
        return true;
    }
}
