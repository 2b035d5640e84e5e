package dev.flotilla.ops.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * Prints a {@link DevicesReport}: machine and set-up, then one block of rows per workload, each cell
 * the median over the rounds with their range, {@code median [min–max]}.
 */
final class DevicesTable {

    private DevicesTable() {}

    static String format(DevicesReport r) {
        StringBuilder sb = new StringBuilder();
        DevicesOptions o = r.options();
        sb.append("flotilla bench devices: probe guest ").append(r.kernel()).append(", 1 vCPU, 128 MiB; ")
                .append(o.seconds()).append(" s per routine, ").append(o.rounds())
                .append(" rounds alternating Flotilla and QEMU after one warm-up round; cells: median [min–max] over the rounds\n");
        MachineInfo m = r.machine();
        sb.append("machine: ").append(m.cpuModel()).append(", ").append(m.cores()).append(" cores, ")
                .append(m.kernel()).append(", load average at start ").append(m.load()).append('\n');
        sb.append("kvm:     ").append(m.kvm()).append('\n');
        sb.append("qemu:    ").append(m.qemuVersion()).append('\n');
        sb.append("java:    ").append(m.javaRuntime()).append('\n');
        for (String s : r.setup()) sb.append("setup:   ").append(s).append('\n');
        sb.append('\n');

        TextTable t = new TextTable("metric", "Flotilla (in-process)", "QEMU microvm (process)");
        for (Workload w : Workload.values()) {
            List<DeviceSample> f = r.flotilla().getOrDefault(w, List.of());
            Optional<List<DeviceSample>> q = r.qemu().map(x -> x.getOrDefault(w, List.of()));
            if (f.isEmpty() && q.map(List::isEmpty).orElse(true)) continue;
            String p = w.title + ": ";
            boolean net = w == Workload.NET_ECHO;
            rows(t, p + w.unit + "/s", f, q, DeviceSample::requestsPerSecond, 0);
            if (net) {
                rows(t, p + "frames/s (request + reply)", f, q, DeviceSample::framesPerSecond, 0);
                rows(t, p + "host ping round trip, µs (one in flight)", f, q, DeviceSample::microsPerRequest, 0);
            } else {
                rows(t, p + "MB/s (guest kvmclock)", f, q, DeviceSample::megabytesPerSecond, 1);
                rows(t, p + "guest µs per read (one in flight)", f, q, DeviceSample::microsPerRequest, 1);
            }
            String per = net ? "echo" : "read";
            rows(t, p + "host CPU µs/" + per + ", device thread(s) ¹", f, q, cost(CpuCost::device), 1);
            rows(t, p + "host CPU µs/" + per + ", process minus vCPU threads", f, q, cost(CpuCost::processMinusVcpu), 1);
            rows(t, p + "host CPU µs/" + per + ", whole process (incl. vCPU emulation)", f, q, cost(CpuCost::process), 1);
            t.row(p + "run-queue wait µs/" + per + ", device thread(s) / vCPU thread(s) ²",
                    waits(f), q.map(DevicesTable::waits).orElse("skipped"));
        }
        sb.append(t.render());
        sb.append("\n¹ Flotilla: the device's worker thread. QEMU: every thread but its vCPU threads (main loop, block-layer workers, RCU).\n");
        sb.append("² medians: time those threads were runnable but waited for a CPU (schedstat), per request: latency that is nobody's CPU time.\n");
        if (!r.failures().isEmpty()) {
            sb.append("\nfailures:\n");
            for (String f : r.failures()) sb.append("  - ").append(f).append('\n');
        }
        return sb.toString();
    }

    /** {@code <device wait median> / <vCPU wait median>}. */
    static String waits(List<DeviceSample> samples) {
        String d = cell(samples, cost(CpuCost::deviceWait), 1), v = cell(samples, cost(CpuCost::vcpuWait), 1);
        return median(d) + " / " + median(v);
    }

    private static String median(String cell) {
        int bracket = cell.indexOf(" [");
        return bracket < 0 ? cell : cell.substring(0, bracket);
    }

    private static Function<DeviceSample, Double> cost(Function<CpuCost, Double> part) {
        return s -> s.cost().map(part).orElse(Double.NaN);
    }

    private static void rows(TextTable t, String metric, List<DeviceSample> f, Optional<List<DeviceSample>> q,
                             Function<DeviceSample, Double> value, int decimals) {
        t.row(metric, cell(f, value, decimals), q.map(x -> cell(x, value, decimals)).orElse("skipped"));
    }

    /** {@code median [min–max]} of the finite values; "—" when there are none. */
    static String cell(List<DeviceSample> samples, Function<DeviceSample, Double> value, int decimals) {
        List<Double> v = new ArrayList<>();
        for (DeviceSample s : samples) {
            double x = value.apply(s);
            if (Double.isFinite(x)) v.add(x);
        }
        if (v.isEmpty()) return ReportTable.NONE;
        Summary s = Summary.of(v);
        if (v.size() == 1) return num(s.median(), decimals);
        return num(s.median(), decimals) + " [" + num(s.min(), decimals) + "–" + num(s.max(), decimals) + "]";
    }

    static String num(double x, int decimals) {
        return String.format(Locale.ROOT, "%,." + decimals + "f", x);
    }
}
