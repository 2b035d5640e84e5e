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
 * recorded by {@link FleetFront} per POST /vms; VMs by state and each host's capacity and allocation are
 * gauges set on every poll.
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
            var memory = Kamon.gauge(HOST_MEMORY, "Guest memory a host offers (over-commit applied) and has allocated",
                    MeasurementUnit.information().bytes());
            memory.withTags(Tags.of("host", h.name(), "kind", "capacity")).update(h.memMibCapacity() << 20);
            memory.withTags(Tags.of("host", h.name(), "kind", "allocated")).update(h.memMibAllocated() << 20);
            Kamon.gauge(HOST_VMS, "VMs placed on a host").withTags(Tags.of("host", h.name())).update(h.vmCount());
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
