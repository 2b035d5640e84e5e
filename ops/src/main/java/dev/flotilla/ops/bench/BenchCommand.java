package dev.flotilla.ops.bench;

import dev.flotilla.ops.UsageException;

import dev.flotilla.kvm.Kvm;
import dev.flotilla.kvm.KvmAvailability;
import dev.flotilla.ops.ProbeGuestImage;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code flotilla bench boot} (boot, memory, burst in-process) and {@code flotilla bench api} (creation
 * throughput through the REST API): side-by-side benchmarks against QEMU microvm; {@code bench devices} and
 * {@code bench hostile} (Flotilla's own cost under hostile guest input, {@link HostileBench}) have their own. Exit status 0 when every VM of every phase
 * booted, 1 when some failed (the table lists them), 2 for a usage error, 3 when the host cannot run VMs.
 */
public final class BenchCommand {

    private BenchCommand() {}

    public static int execute(List<String> args) {
        if (!args.isEmpty() && args.get(0).equals("api")) return executeApi(args.subList(1, args.size()));
        if (!args.isEmpty() && args.get(0).equals("devices")) return DevicesCommand.execute(args.subList(1, args.size()));
        if (!args.isEmpty() && args.get(0).equals("hostile")) return HostileBench.execute(args.subList(1, args.size()));
        if (args.isEmpty() || !args.get(0).equals("boot") || args.contains("--help") || args.contains("-h")) {
            boolean help = args.contains("--help") || args.contains("-h");
            (help ? System.out : System.err).println(BenchOptions.USAGE + "\n" + ApiBenchOptions.USAGE + "\n" + DevicesOptions.USAGE
                    + "\n" + HostileBench.USAGE);
            return help ? 0 : 2;
        }
        BenchOptions options;
        try {
            options = BenchOptions.parse(args.subList(1, args.size()));
        } catch (UsageException e) {
            System.err.println("flotilla bench boot: " + e.getMessage());
            System.err.println(BenchOptions.USAGE);
            return 2;
        }
        if (System.getProperty("flotilla.log.level") == null) System.setProperty("flotilla.log.level", "WARN");
        KvmAvailability kvm = Kvm.availability();
        if (!kvm.usable()) {
            System.err.println("flotilla bench boot: cannot run microVMs on this host: " + kvm.describe());
            return 3;
        }
        Path kernel;
        try {
            kernel = ProbeGuestImage.path();
        } catch (RuntimeException e) {
            System.err.println("flotilla bench boot: " + e.getMessage());
            return 2;
        }
        // An interrupted run must not leave idle QEMU guests behind: the only children of this JVM are
        // the QEMU processes it spawned.
        Thread reaper = new Thread(() -> ProcessHandle.current().children().forEach(ProcessHandle::destroy), "bench-qemu-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        try {
            BenchReport report = new BootBench(options, kernel, new Progress(System.err)).run();
            System.out.print(ReportTable.format(report));
            System.out.flush();
            return hasFailures(report) ? 1 : 0;
        } catch (Exception e) {
            System.err.println("flotilla bench boot: " + e);
            return 1;
        }
    }

    /** {@code flotilla bench api}: see {@link ApiBench}. */
    static int executeApi(List<String> args) {
        if (args.contains("--help") || args.contains("-h")) {
            System.out.println(ApiBenchOptions.USAGE);
            return 0;
        }
        ApiBenchOptions options;
        try {
            options = ApiBenchOptions.parse(args);
        } catch (UsageException e) {
            System.err.println("flotilla bench api: " + e.getMessage());
            System.err.println(ApiBenchOptions.USAGE);
            return 2;
        }
        if (System.getProperty("flotilla.log.level") == null) System.setProperty("flotilla.log.level", "WARN");
        KvmAvailability kvm = Kvm.availability();
        if (!kvm.usable()) {
            System.err.println("flotilla bench api: cannot run microVMs on this host: " + kvm.describe());
            return 3;
        }
        Thread reaper = new Thread(() -> ProcessHandle.current().children().forEach(ProcessHandle::destroy), "bench-qemu-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        try {
            MachineInfo machine = MachineInfo.collect(options.qemu());
            ApiBench bench = new ApiBench(options, ProbeGuestImage.path(), new Progress(System.err));
            ApiBench.Side f = bench.flotilla();
            java.util.Optional<ApiBench.Side> q = options.skipQemu() ? java.util.Optional.empty() : java.util.Optional.of(bench.qemu());
            System.out.print(ApiBench.table(options, machine, f, q));
            System.out.flush();
            boolean failed = !f.failures().isEmpty() || q.map(s -> !s.failures().isEmpty()).orElse(false);
            return failed ? 1 : 0;
        } catch (Exception e) {
            System.err.println("flotilla bench api: " + e);
            return 1;
        }
    }

    static boolean hasFailures(BenchReport r) {
        return failures(r.flotilla()) || r.qemu().map(BenchCommand::failures).orElse(false);
    }

    private static boolean failures(BenchReport.Peer p) {
        return !p.boot().failures().isEmpty()
                || p.memory().map(m -> !m.failures().isEmpty()).orElse(false)
                || p.burst().map(b -> !b.failures().isEmpty()).orElse(false);
    }
}
