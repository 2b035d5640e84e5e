package dev.flotilla.ops.metrics;

import dev.flotilla.vm.VmState;
import dev.flotilla.vm.devices.VirtioDeviceActor;
import dev.flotilla.vm.vcpu.VcpuLoop;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import kamon.Kamon;
import kamon.metric.Instrument;
import kamon.metric.MeasurementUnit;

/**
 * The Kamon instruments of one VM, every one tagged {@code vm=<id>}: boot time (histogram), vCPU exits by
 * reason, device counters (bytes, operations, rate-limiter throttling; tagged device, kind and Firecracker's
 * counter name), and its state as a 0/1 gauge per state. KVM's and the devices' counters are cumulative, so
 * each poll adds the difference to the Kamon counter. {@link #remove()} drops every series when the VM's
 * actor is gone, so Kamon stops snapshotting them.
 *
 * <p>Threading: confined to the collector actor.
 */
final class VmInstruments {

    static final String BOOT_TIME = "flotilla.vm.boot-time";
    static final String VCPU_EXITS = "flotilla.vm.vcpu.exits";
    static final String DEVICE_BYTES = "flotilla.vm.device.bytes";
    static final String DEVICE_OPS = "flotilla.vm.device.operations";
    static final String DEVICE_THROTTLED = "flotilla.vm.device.throttled";
    static final String DEVICE_FAULTS = "flotilla.vm.device.faults";
    static final String STATE = "flotilla.vm.state";

    private final String vm;
    private final List<Instrument<?, ?>> created = new ArrayList<>();
    private final Map<String, Long> lastSeen = new HashMap<>();
    private VmState state;

    VmInstruments(String vm) {
        this.vm = vm;
    }

    void bootTime(double ms) {
        var h = Kamon.histogram(BOOT_TIME, "Start request to the guest's boot-timer write", MeasurementUnit.time().microseconds())
                .withTags(Tags.of("vm", vm));
        h.record(Math.max(0, Math.round(ms * 1000)));
        keep(h);
    }

    void state(VmState now) {
        if (now == state) return;
        // the Prometheus reporter keeps every series it has seen, so the old state is set to 0, not removed
        if (state != null) Kamon.gauge(STATE).withTags(Tags.of("vm", vm, "state", name(state))).update(0);
        var g = Kamon.gauge(STATE, "1 for the VM's current state").withTags(Tags.of("vm", vm, "state", name(now)));
        g.update(1);
        keep(g);
        state = now;
    }

    void vcpuExits(Map<VcpuLoop.ExitKind, Long> counts) {
        counts.forEach((kind, total) -> {
            long d = delta("exit." + kind, total);
            var c = Kamon.counter(VCPU_EXITS, "vCPU exits to the VMM, by reason").withTags(Tags.of("vm", vm, "reason", name(kind)));
            if (d > 0) c.increment(d);
            keep(c);
        });
    }

    void device(VirtioDeviceActor.DeviceMetrics m) {
        m.counters().forEach((counter, total) -> {
            long d = delta("dev." + m.id() + "." + counter, total);
            var c = Kamon.counter(deviceMetric(counter)).withTags(Tags.of("vm", vm, "device", m.id(), "kind", m.kind(),
                    "counter", counter));
            if (d > 0) c.increment(d);
            keep(c);
        });
    }

    /** Which family a device counter belongs to, by Firecracker's naming (read_bytes, rate_limiter_throttled_events ...). */
    static String deviceMetric(String counter) {
        if (counter.contains("throttled")) return DEVICE_THROTTLED;
        if (counter.endsWith("_bytes")) return DEVICE_BYTES;
        if (counter.contains("fail") || counter.contains("malformed") || counter.contains("invalid")
                || counter.contains("refusal") || counter.contains("unsupported")) return DEVICE_FAULTS;
        return DEVICE_OPS;
    }

    /**
     * Stops updating this VM's series. Kamon's Prometheus reporter still shows their last values (it keeps a
     * series it has seen), which for counters and the boot-time histogram is what a scraper wants.
     */
    void remove() {
        created.forEach(Instrument::remove);
        created.clear();
        lastSeen.clear();
        state = null;
    }

    private long delta(String key, long total) {
        Long before = lastSeen.put(key, total);
        // a counter that went down belongs to a new run of the VM (a restart): count it from zero
        return before == null || total < before ? total : total - before;
    }

    private void keep(Instrument<?, ?> i) {
        if (!created.contains(i)) created.add(i);
    }

    static String name(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
