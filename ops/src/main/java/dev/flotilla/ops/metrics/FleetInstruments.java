package dev.flotilla.ops.metrics;

import dev.flotilla.fleet.FleetStats;
import dev.flotilla.fleet.HostView;
import dev.flotilla.vm.VmState;
import java.time.Duration;
import java.util.List;
import kamon.Kamon;
import kamon.metric.MeasurementUnit;

/**
 * The fleet's Kamon instruments. Admission outcomes are counters fed from the fleet's own totals
 * ({@link FleetStats}, by difference, so nothing is counted twice); the creation latency histogram is
 * recorded by {@link FleetFront} per POST /vms; VMs by state, each host's capacity and allocation, and its
 * memory (MemAvailable and PSI, as its agent last read them) are gauges set on every poll.
 *
 * <p>Threading: {@link #stats} and {@link #hosts} from the collector actor; {@link #creation} from any thread
 * (Kamon instruments are thread-safe).
 */
public final class FleetInstruments {

    static final String ADMISSIONS = "flotilla.fleet.admissions";
    static final String CREATION_LATENCY = "flotilla.fleet.creation-latency";
    static final String VMS = "flotilla.fleet.vms";
    static final String HOST_VCPUS = "flotilla.host.vcpus";
    static final String HOST_MEMORY = "flotilla.host.memory";
    static final String HOST_VMS = "flotilla.host.vms";
    static final String HOST_MEMORY_AVAILABLE = "flotilla.host.memory.available";
    static final String HOST_MEMORY_PRESSURE = "flotilla.host.memory.pressure";

    private long admitted;
    private long rateLimited;
    private long noCapacity;

    void stats(FleetStats s) {
        if (s == null) return;
        admitted = add("admitted", admitted, s.admitted());
        rateLimited = add("rate_limited", rateLimited, s.rateLimited());
        noCapacity = add("no_capacity", noCapacity, s.noCapacity());
        for (VmState st : VmState.values()) {
            Kamon.gauge(VMS, "VMs the fleet knows, by state").withTags(Tags.of("state", VmInstruments.name(st)))
                    .update(s.vmsByState().getOrDefault(st, 0));
        }
    }

    void hosts(List<HostView> hosts) {
        for (HostView h : hosts) {
            var vcpus = Kamon.gauge(HOST_VCPUS, "vCPUs a host offers (over-commit applied) and has allocated");
            vcpus.withTags(Tags.of("host", h.name(), "kind", "capacity")).update(h.vcpuCapacity());
            vcpus.withTags(Tags.of("host", h.name(), "kind", "allocated")).update(h.vcpusAllocated());
            var memory = Kamon.gauge(HOST_MEMORY, "Memory a host offers VMs (over-commit applied) and has allocated (guest RAM plus overhead)",
                    MeasurementUnit.information().bytes());
            memory.withTags(Tags.of("host", h.name(), "kind", "capacity")).update(h.memMibCapacity() << 20);
            memory.withTags(Tags.of("host", h.name(), "kind", "allocated")).update(h.memMibAllocated() << 20);
            Kamon.gauge(HOST_VMS, "VMs placed on a host").withTags(Tags.of("host", h.name())).update(h.vmCount());
            if (h.memAvailableMib() >= 0) {
                Kamon.gauge(HOST_MEMORY_AVAILABLE, "A host's MemAvailable (/proc/meminfo) at its agent's last reading",
                        MeasurementUnit.information().bytes()).withTags(Tags.of("host", h.name())).update(h.memAvailableMib() << 20);
            }
            var pressure = Kamon.gauge(HOST_MEMORY_PRESSURE, "A host's memory PSI avg10 (/proc/pressure/memory), percent "
                    + "of the last 10 s in which some or all non-idle tasks waited for memory", MeasurementUnit.percentage());
            if (h.pressureSomeAvg10() != null) pressure.withTags(Tags.of("host", h.name(), "kind", "some")).update(h.pressureSomeAvg10());
            if (h.pressureFullAvg10() != null) pressure.withTags(Tags.of("host", h.name(), "kind", "full")).update(h.pressureFullAvg10());
        }
    }

    /** One answered POST /vms: how long it took and how it ended (created, rate_limited, no_capacity, refused, failed). */
    public static void creation(String outcome, Duration latency) {
        Kamon.histogram(CREATION_LATENCY, "POST /vms request to the fleet's answer (a created VM is running by then)",
                MeasurementUnit.time().microseconds()).withTags(Tags.of("outcome", outcome)).record(latency.toNanos() / 1000);
    }

    private static long add(String outcome, long before, long total) {
        long d = total < before ? total : total - before;
        var c = Kamon.counter(ADMISSIONS, "VM creations and starts admitted or refused by the fleet").withTags(Tags.of("outcome", outcome));
        if (d > 0) c.increment(d);
        return total;
    }
}
