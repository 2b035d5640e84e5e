package dev.flotilla.ops.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flotilla.vm.devices.VirtioDeviceActor;
import dev.flotilla.vm.vcpu.VcpuLoop;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One VM's metrics as Firecracker writes them to its {@code metrics_path}: one JSON object per line, with
 * Firecracker's group names where Flotilla has the same thing — {@code vcpu} (exit_io_in, exit_io_out,
 * exit_mmio_read, exit_mmio_write, failures), {@code block} (summed over drives) and {@code block_<drive_id>},
 * {@code entropy}, {@code balloon}, {@code net}/{@code net_<iface_id>}, {@code vsock} — and a
 * {@code flotilla} group for what Firecracker has no name for (state, boot_ms, hlt and other exits).
 *
 * <p>As in Firecracker, counters are the increase since the previous line of the same VM ({@code
 * SharedIncMetric}), so a reader sums lines; {@code utc_timestamp_ms} is when the line was made.
 *
 * <p>Threading: one instance per VM, used by the collector actor only.
 */
final class FirecrackerMetricsLine {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Firecracker's name for a device kind's group, where it differs from the kind. */
    private static final Map<String, String> GROUPS = Map.of("blk", "block", "rng", "entropy");
    /** Firecracker's entropy counter names for the rng device's. */
    private static final Map<String, String> ENTROPY_NAMES = Map.of("entropy_requests", "entropy_event_count",
            "data_path_failures", "entropy_event_fails");

    private final Map<String, Long> previous = new HashMap<>();

    /** The next line (no trailing newline); remembers the totals so the following line holds differences. */
    String next(long utcMillis, String state, double bootMs, Map<VcpuLoop.ExitKind, Long> exits,
                List<VirtioDeviceActor.DeviceMetrics> devices) {
        ObjectNode root = JSON.createObjectNode();
        root.put("utc_timestamp_ms", utcMillis);
        ObjectNode vcpu = root.putObject("vcpu");
        vcpu.put("exit_io_in", delta("vcpu.io_in", exits.getOrDefault(VcpuLoop.ExitKind.IO_IN, 0L)));
        vcpu.put("exit_io_out", delta("vcpu.io_out", exits.getOrDefault(VcpuLoop.ExitKind.IO_OUT, 0L)));
        vcpu.put("exit_mmio_read", delta("vcpu.mmio_read", exits.getOrDefault(VcpuLoop.ExitKind.MMIO_READ, 0L)));
        vcpu.put("exit_mmio_write", delta("vcpu.mmio_write", exits.getOrDefault(VcpuLoop.ExitKind.MMIO_WRITE, 0L)));
        vcpu.put("failures", 0);
        Map<String, Map<String, Long>> sums = new TreeMap<>();
        for (VirtioDeviceActor.DeviceMetrics d : devices) {
            String group = GROUPS.getOrDefault(d.kind(), d.kind());
            boolean perDevice = group.equals("block") || group.equals("net");
            ObjectNode own = perDevice ? root.putObject(group + "_" + d.id()) : null;
            for (Map.Entry<String, Long> c : d.counters().entrySet()) {
                String name = group.equals("entropy") ? ENTROPY_NAMES.getOrDefault(c.getKey(), c.getKey()) : c.getKey();
                long inc = delta("dev." + d.id() + "." + c.getKey(), c.getValue());
                if (own != null) own.put(name, inc);
                sums.computeIfAbsent(group, g -> new TreeMap<>()).merge(name, inc, Long::sum);
            }
        }
        sums.forEach((group, counters) -> {
            ObjectNode g = root.putObject(group);
            counters.forEach(g::put);
        });
        ObjectNode own = root.putObject("flotilla");
        own.put("state", state);
        own.put("boot_ms", bootMs);
        own.put("exit_hlt", delta("vcpu.hlt", exits.getOrDefault(VcpuLoop.ExitKind.HLT, 0L)));
        own.put("exit_interrupted", delta("vcpu.interrupted", exits.getOrDefault(VcpuLoop.ExitKind.INTERRUPTED, 0L)));
        own.put("exit_other", delta("vcpu.other", exits.getOrDefault(VcpuLoop.ExitKind.OTHER, 0L)));
        return root.toString();
    }

    private long delta(String key, long total) {
        Long before = previous.put(key, total);
        return before == null || total < before ? total : total - before;
    }
}
