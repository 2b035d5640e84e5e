package dev.flotilla.ops.bench;

import dev.flotilla.kvm.x86.boot.BootException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One {@code flotilla bench boot} run: warm-up, sequential boots (Flotilla and QEMU alternating, so
 * both see the same background load), idle-VM memory, burst, then Flotilla's set-up phases.
 */
final class BootBench {

    private final BenchOptions options;
    private final Path kernel;
    private final Progress progress;

    BootBench(BenchOptions options, Path kernel, Progress progress) {
        this.options = options;
        this.kernel = kernel;
        this.progress = progress;
    }

    BenchReport run() throws BootException, InterruptedException {
        MachineInfo machine = MachineInfo.collect(options.qemu());
        Optional<QemuRuns> qemu = options.skipQemu() ? Optional.empty()
                : Optional.of(new QemuRuns(options.qemu(), options.vcpus(), options.memMib(), kernel));
        try (FlotillaFleet fleet = new FlotillaFleet(kernel, options.vcpus(), options.memMib(), options.pool())) {
            FlotillaRuns flotilla = new FlotillaRuns(fleet);

            progress.phase("warm-up: " + options.warmup() + " boots each (Flotilla: JIT; QEMU: page cache)");
            FlotillaRuns.Samples fWarm = new FlotillaRuns.Samples();
            QemuRuns.Samples qWarm = new QemuRuns.Samples();
            for (int i = 0; i < options.warmup(); i++) {
                flotilla.bootOnce(fWarm);
                qemu.ifPresent(q -> q.bootOnce(qWarm));
            }
            progress.phase("  warm-up probe-line ms: Flotilla " + fWarm.probeLine + (qemu.isPresent() ? ", QEMU " + qWarm.probeLine : ""));

            progress.phase("sequential boots: " + options.count() + " each, alternating Flotilla and QEMU");
            FlotillaRuns.Samples fs = new FlotillaRuns.Samples();
            QemuRuns.Samples qs = new QemuRuns.Samples();
            for (int i = 0; i < options.count(); i++) {
                flotilla.bootOnce(fs);
                qemu.ifPresent(q -> q.bootOnce(qs));
                progress.tick("boots", i + 1, options.count());
            }
            fleet.poolStats().ifPresent(s -> progress.phase("  after the sequential boots, " + s.describe()));

            progress.phase("memory: " + options.hold() + " idle VMs (probe.hold) at once, Flotilla");
            BenchReport.Memory fMem = flotilla.memory(options.hold(), progress);
            Optional<BenchReport.Memory> qMem = qemu.map(q -> {
                progress.phase("memory: " + options.hold() + " idle QEMU processes at once");
                return q.memory(options.hold(), progress);
            });

            progress.phase("burst: " + options.burst() + " Flotilla VMs asked for at once");
            BenchReport.Burst fBurst = flotilla.burst(options.burst(), progress);
            fleet.poolStats().ifPresent(s -> progress.phase("  after the burst, " + s.describe()));
            Optional<BenchReport.Burst> qBurst = qemu.map(q -> {
                progress.phase("burst: " + options.burst() + " QEMU processes spawned at once");
                return q.burst(options.burst(), progress);
            });

            List<BenchReport.Phase> phases = new ArrayList<>();
            if (options.phases() > 0) {
                progress.phase("set-up phases: " + options.phases() + " VMs built and released by direct API calls");
                Map<String, SetupPhases.Samples> ms = SetupPhases.measure(fleet.kvm(), kernel, options.vcpus(),
                        options.memMib(), options.phases(), progress);
                ms.forEach((name, s) -> {
                    if (!s.wallMs().isEmpty()) {
                        phases.add(new BenchReport.Phase(name, Summary.of(s.wallMs()), Summary.of(s.cpuMs()).median()));
                    }
                });
            }

            BenchReport.Peer f = new BenchReport.Peer("Flotilla",
                    new BenchReport.Boot(options.count(), summary(fs.bootTimer), summary(fs.probeLine),
                            first(fWarm.probeLine), fs.failures),
                    Optional.of(fMem), Optional.of(fBurst));
            Optional<BenchReport.Peer> q = qemu.map(x -> new BenchReport.Peer("QEMU microvm",
                    new BenchReport.Boot(options.count(), Optional.empty(), summary(qs.probeLine),
                            first(qWarm.probeLine), qs.failures),
                    qMem, qBurst));
            Optional<BenchReport.FlotillaTimeline> timeline = fs.timeline.summary();
            progress.phase("done");
            return new BenchReport(machine, options, kernel.toString(), f, q, timeline, phases);
        }
    }

    private static Optional<Double> first(List<Double> samples) {
        return samples.isEmpty() ? Optional.empty() : Optional.of(samples.get(0));
    }

    private static Optional<Summary> summary(List<Double> samples) {
        return samples.isEmpty() ? Optional.empty() : Optional.of(Summary.of(samples));
    }
}
