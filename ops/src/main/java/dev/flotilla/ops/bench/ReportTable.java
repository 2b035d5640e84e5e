package dev.flotilla.ops.bench;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/** Prints a {@link BenchReport}: machine first, then the side-by-side table, then Flotilla's breakdowns. */
final class ReportTable {

    static final String NONE = "—";

    private ReportTable() {}

    static String format(BenchReport r) {
        BenchOptions o = r.options();
        StringBuilder sb = new StringBuilder();
        sb.append("flotilla bench boot: probe guest ").append(r.kernel()).append(", ")
                .append(o.vcpus()).append(" vCPU, ").append(o.memMib()).append(" MiB; N=").append(o.count())
                .append(" sequential boots per peer after ").append(o.warmup()).append(" warm-up boots each, K=")
                .append(o.hold()).append(" idle VMs, burst B=").append(o.burst())
                .append(o.pool() > 0 ? ", Flotilla from a warm pool of " + o.pool() : "").append('\n');
        MachineInfo m = r.machine();
        sb.append("machine: ").append(m.cpuModel()).append(", ").append(m.cores()).append(" cores, ")
                .append(m.kernel()).append(", load average at start ").append(m.load()).append('\n');
        sb.append("kvm:     ").append(m.kvm()).append('\n');
        sb.append("qemu:    ").append(m.qemuVersion()).append('\n');
        sb.append("java:    ").append(m.javaRuntime()).append("\n\n");

        BenchReport.Peer f = r.flotilla();
        Optional<BenchReport.Peer> q = r.qemu();
        TextTable t = new TextTable("metric", "Flotilla (in-process)", "QEMU microvm (process)");
        String qSkipped = "skipped";
        t.row("boot: request → boot-timer write, median / p95 ms",
                pair(f.boot().bootTimer(), s -> s.median(), s -> s.p95()),
                q.isPresent() ? NONE + " (no boot-timer device)" : qSkipped);
        t.row("boot: request → boot-timer write, min / max ms",
                pair(f.boot().bootTimer(), s -> s.min(), s -> s.max()), q.isPresent() ? NONE : qSkipped);
        t.row("boot: request → \"probe: cpus=\" line, median / p95 ms",
                pair(f.boot().probeLine(), s -> s.median(), s -> s.p95()),
                q.map(p -> pair(p.boot().probeLine(), s -> s.median(), s -> s.p95())).orElse(qSkipped));
        t.row("boot: request → \"probe: cpus=\" line, min / max ms",
                pair(f.boot().probeLine(), s -> s.min(), s -> s.max()),
                q.map(p -> pair(p.boot().probeLine(), s -> s.min(), s -> s.max())).orElse(qSkipped));
        t.row("boot: failed / asked", failed(f.boot()), q.map(p -> failed(p.boot())).orElse(qSkipped));
        t.row("first boot of the run (cold), request → probe line, ms",
                f.boot().coldProbeLineMs().map(ReportTable::ms).orElse(NONE),
                q.map(p -> p.boot().coldProbeLineMs().map(ReportTable::ms).orElse(NONE)).orElse(qSkipped));

        t.row("memory per VM beyond guest RAM, RSS-based, MiB (K=" + o.hold() + ")",
                mem(f, BenchReport.Memory::rssBeyondGuestMib), mem(q, BenchReport.Memory::rssBeyondGuestMib, qSkipped));
        t.row("memory per VM beyond guest RAM, PSS-based, MiB",
                mem(f, BenchReport.Memory::pssBeyondGuestMib), mem(q, BenchReport.Memory::pssBeyondGuestMib, qSkipped));
        t.row("guest RAM resident per VM, MiB",
                mem(f, BenchReport.Memory::guestResidentMib), mem(q, BenchReport.Memory::guestResidentMib, qSkipped));
        t.row("  of the Flotilla figure: Java heap retained per VM, MiB",
                f.memory().flatMap(x -> x.heapMib().isPresent() ? Optional.of(mib(x.heapMib().getAsDouble())) : Optional.empty()).orElse(NONE),
                q.isPresent() ? NONE : qSkipped);

        t.row("burst of " + o.burst() + ": booted / asked (boot-timer)",
                arrivalCount(f, BenchReport.Burst::bootTimer), q.isPresent() ? NONE : qSkipped);
        t.row("burst: VMs/s to boot-timer write (first / last ms)",
                rate(f, BenchReport.Burst::bootTimer), q.isPresent() ? NONE : qSkipped);
        t.row("burst: booted / asked (probe line)",
                arrivalCount(f, BenchReport.Burst::probeLine), q.map(p -> arrivalCount(p, BenchReport.Burst::probeLine)).orElse(qSkipped));
        t.row("burst: VMs/s to probe line (first / last ms)",
                rate(f, BenchReport.Burst::probeLine), q.map(p -> rate(p, BenchReport.Burst::probeLine)).orElse(qSkipped));
        t.row("burst: host CPU per VM, ms",
                f.burst().map(b -> ms(b.cpuMsPerVm())).orElse(NONE), q.map(p -> p.burst().map(b -> ms(b.cpuMsPerVm())).orElse(NONE)).orElse(qSkipped));
        sb.append(t.render());

        r.timeline().ifPresent(tl -> {
            Optional<BenchReport.FlotillaTimeline> burst = f.burst().flatMap(BenchReport.Burst::timeline);
            sb.append("\nFlotilla boot timeline, each VM from its own request (ms; median / p95):\n\n");
            TextTable x = new TextTable("span", "sequential (N=" + o.count() + ")", "burst (B=" + o.burst() + ")");
            x.row("request → VmBuilder starts (actor spawn, blocking dispatcher)",
                    pair(Optional.of(tl.toBuildStart())), pair(burst.map(BenchReport.FlotillaTimeline::toBuildStart)));
            x.row("VmBuilder.build (RAM, KVM VM, kernel, tables, vCPUs, devices)",
                    pair(Optional.of(tl.build())), pair(burst.map(BenchReport.FlotillaTimeline::build)));
            x.row("build end → boot-timer write (vCPU actor + thread, guest runs)",
                    pair(Optional.of(tl.buildEndToBootTimer())), pair(burst.map(BenchReport.FlotillaTimeline::buildEndToBootTimer)));
            x.row("MicroVm's own boot_ms (Start received → boot-timer write)",
                    pair(Optional.of(tl.actorBootMs())), pair(burst.map(BenchReport.FlotillaTimeline::actorBootMs)));
            sb.append(x.render());
        });
        if (!r.phases().isEmpty()) {
            sb.append("\nFlotilla VM set-up by phase, kvm-native / boot APIs called directly (ms):\n\n");
            TextTable x = new TextTable("phase", "median", "p95", "min", "max", "on-CPU median");
            for (BenchReport.Phase p : r.phases()) {
                Summary s = p.ms();
                x.row(p.name(), ms(s.median()), ms(s.p95()), ms(s.min()), ms(s.max()), ms(p.cpuMedianMs()));
            }
            sb.append(x.render());
        }
        appendFailures(sb, "Flotilla", f);
        q.ifPresent(p -> appendFailures(sb, "QEMU", p));
        return sb.toString();
    }

    static String ms(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    }

    static String mib(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String pair(Optional<Summary> s, Function<Summary, Double> a, Function<Summary, Double> b) {
        return s.map(x -> ms(a.apply(x)) + " / " + ms(b.apply(x))).orElse(NONE);
    }

    private static String pair(Optional<Summary> s) {
        return pair(s, Summary::median, Summary::p95);
    }

    private static String failed(BenchReport.Boot b) {
        return b.failures().size() + " / " + b.asked();
    }

    private static String mem(BenchReport.Peer p, Function<BenchReport.Memory, Double> f) {
        return p.memory().map(m -> mib(f.apply(m)) + (m.failures().isEmpty() ? "" : " (" + m.failures().size() + " failed)"))
                .orElse(NONE);
    }

    private static String mem(Optional<BenchReport.Peer> p, Function<BenchReport.Memory, Double> f, String absent) {
        return p.map(x -> mem(x, f)).orElse(absent);
    }

    private static String arrivalCount(BenchReport.Peer p, Function<BenchReport.Burst, Optional<BenchReport.Arrival>> which) {
        return p.burst().map(b -> which.apply(b).map(a -> a.count() + " / " + b.asked()).orElse("0 / " + b.asked()))
                .orElse(NONE);
    }

    private static String rate(BenchReport.Peer p, Function<BenchReport.Burst, Optional<BenchReport.Arrival>> which) {
        return p.burst().flatMap(which).map(a -> String.format(Locale.ROOT, "%.1f", a.perSecond())
                + " (" + ms(a.firstMs()) + " / " + ms(a.lastMs()) + ")").orElse(NONE);
    }

    private static void appendFailures(StringBuilder sb, String who, BenchReport.Peer p) {
        List<String> all = new java.util.ArrayList<>(p.boot().failures());
        p.memory().ifPresent(m -> all.addAll(m.failures()));
        p.burst().ifPresent(b -> all.addAll(b.failures()));
        if (all.isEmpty()) return;
        sb.append("\n").append(who).append(" failures (").append(all.size()).append("; first 5):\n");
        all.stream().limit(5).forEach(l -> sb.append("  ").append(l).append('\n'));
    }
}
