package dev.flotilla.ops.bench;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.ops.demo.ApiBurst;
import dev.flotilla.ops.demo.FlotillaClient;
import dev.flotilla.ops.serve.Daemon;
import dev.flotilla.ops.serve.FlotillaConfig;
import dev.flotilla.vm.stats.Percentiles;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@code flotilla bench api}: creation throughput through the REST API, with QEMU microvm processes booting the
 * same guest in the same run.
 *
 * <p>Flotilla: the daemon in this JVM on a temporary state directory, its admission bucket as large as the burst
 * (rate and burst = N, so the limiter admits everything and the pipeline is measured, not the limit), over-commit
 * wide enough for N idle guests. The client first opens its connections (N concurrent GET /hosts: a client
 * pool's steady state) and creates and deletes W VMs (JIT); then all N POST /vms go out at once. Admitted/s =
 * 201s over the time to the last 201 (a 201 means the VM is running); booted/s = VMs over the time until GET
 * /vms shows every one booted (polled every 50 ms); latency = each POST until its answer.
 *
 * <p>QEMU: N processes of {@code -M microvm} spawned back to back from this JVM, booting the same ELF (PVH);
 * started/s = N over the spawn loop, booted/s = N over the time until the last probe line on a serial console.
 * These guests reset after booting (QEMU exits), as in {@code bench boot}'s burst; the Flotilla guests hold.
 */
final class ApiBench {

    record Side(int asked, int created, int rateLimited, double admittedPerS, double lastAdmittedMs, double bootedPerS,
                double allBootedMs, long booted, double p50Ms, double p99Ms, Optional<Double> bootP50Ms, List<String> failures) {}

    private final ApiBenchOptions o;
    private final Path kernel;
    private final Progress progress;

    ApiBench(ApiBenchOptions o, Path kernel, Progress progress) {
        this.o = o;
        this.kernel = kernel;
        this.progress = progress;
    }

    Side flotilla() throws IOException {
        Path state = Files.createTempDirectory("flotilla-bench-api-");
        int n = o.count();
        int metricsPort = dev.flotilla.ops.demo.DemoCommand.freePort();
        try (Daemon d = Daemon.start(FlotillaConfig.withDefaults(ConfigFactory.parseMap(Map.of(
                "flotilla.serve.state-dir", state.toString(),
                "flotilla.serve.console-files", false,
                "flotilla.api.port", 0,
                "kamon.prometheus.embedded-server.port", metricsPort,
                "flotilla.fleet.admission.rate-per-second", Math.max(n, o.warmup()),
                "flotilla.fleet.admission.burst", Math.max(n, o.warmup()),
                "flotilla.fleet.over-commit.cpu", 4 * Math.max(n, o.warmup()),
                // the probe guests touch under 1 MiB each: the pipeline is measured, not the memory budget
                "flotilla.fleet.over-commit.memory", 4.0))))) {
            FlotillaClient client = new FlotillaClient(URI.create(d.apiUrl()));
            progress.phase("flotilla: daemon at " + d.apiUrl() + "; opening " + n + " client connections");
            List<CompletableFuture<FlotillaClient.Answer>> warm = new ArrayList<>();
            for (int i = 0; i < n; i++) warm.add(client.send("GET", "/hosts", null));
            warm.forEach(CompletableFuture::join);
            if (o.warmup() > 0) {
                progress.phase("flotilla: warm-up, " + o.warmup() + " VMs created and deleted");
                ApiBurst.Result w = burst(client, "warm", o.warmup());
                List<CompletableFuture<FlotillaClient.Answer>> deletes = new ArrayList<>();
                for (ApiBurst.Creation c : w.created()) deletes.add(client.send("DELETE", "/vms/" + c.id(), null));
                deletes.forEach(CompletableFuture::join);
                sleep(1000);
            }
            progress.phase("flotilla: " + n + " POST /vms at once");
            ApiBurst.Result r = burst(client, "api", n);
            List<Double> latencies = r.creations().stream().filter(c -> c.lastRequestMs() >= 0).map(ApiBurst.Creation::lastRequestMs).toList();
            List<Double> boots = r.vms().values().stream().filter(FlotillaClient.VmStatus::booted)
                    .filter(v -> v.id().startsWith("api-")).map(FlotillaClient.VmStatus::bootMs).toList();
            List<String> failures = r.creations().stream().filter(c -> !c.created()).map(c -> c.id() + ": " + c.status() + " " + c.fault()).toList();
            int created = r.created().size();
            return new Side(n, created, r.creations().stream().mapToInt(ApiBurst.Creation::rateLimited).sum(),
                    created / (r.lastAdmittedAtMs() / 1000), r.lastAdmittedAtMs(),
                    r.allBootedAtMs() > 0 ? r.booted() / (r.allBootedAtMs() / 1000) : 0, r.allBootedAtMs(), r.booted(),
                    Percentiles.of(latencies, 50), Percentiles.of(latencies, 99),
                    boots.isEmpty() ? Optional.empty() : Optional.of(Percentiles.of(boots, 50)), failures);
        } finally {
            dev.flotilla.ops.demo.DemoCommand.deleteTree(state);
        }
    }

    private ApiBurst.Result burst(FlotillaClient client, String prefix, int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) ids.add(String.format(Locale.ROOT, "%s-%04d", prefix, i));
        int[] lastTick = {-1};
        return new ApiBurst(client, kernel, ProbeLines.HOLD_CMDLINE, o.memMib()).run(ids, 0, true, Duration.ofSeconds(120 + n / 5), p -> {
            int done = (int) (p.answered() + p.booted());
            if (done != lastTick[0]) {
                lastTick[0] = done;
                progress.tick("flotilla " + prefix + " answered+booted", done, 2 * n);
            }
        });
    }

    Side qemu() {
        int n = o.count();
        QemuRuns runs = new QemuRuns(o.qemu(), 1, o.memMib(), kernel);
        long t0 = System.nanoTime();
        List<QemuVm> vms = new ArrayList<>(n);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            try {
                vms.add(QemuVm.spawn(runs.command(ProbeLines.RESET_CMDLINE)));
            } catch (IOException e) {
                failures.add("cannot start " + o.qemu() + " (" + (i + 1) + " of " + n + "): " + e.getMessage());
            }
        }
        double spawnedMs = (System.nanoTime() - t0) / 1e6;
        long deadline = Await.deadline(FlotillaRuns.BURST_DEADLINE_S);
        List<Long> lines = new ArrayList<>();
        List<Double> boots = new ArrayList<>();
        int done = 0;
        for (QemuVm vm : vms) {
            if (Await.until(vm.exited, deadline).isEmpty()) {
                vm.process.destroyForcibly();
            }
            progress.tick("qemu processes ended", ++done, n);
            if (vm.probeLine.isDone()) {
                lines.add(vm.probeLine.join());
                boots.add(vm.sinceRequestMs(vm.probeLine.join()));
            } else {
                failures.add(vm.failure());
            }
        }
        double lastBootMs = lines.stream().mapToLong(Long::longValue).max().orElse(t0) - t0;
        lastBootMs /= 1e6;
        return new Side(n, vms.size(), 0, vms.size() / (spawnedMs / 1000), spawnedMs,
                lines.isEmpty() ? 0 : lines.size() / (lastBootMs / 1000), lastBootMs, lines.size(), Double.NaN, Double.NaN,
                boots.isEmpty() ? Optional.empty() : Optional.of(Percentiles.of(boots, 50)), failures);
    }

    static String table(ApiBenchOptions o, MachineInfo m, Side f, Optional<Side> q) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "flotilla bench api: a burst of %d VMs (probe guest, 1 vCPU, %d MiB) after %d warm-up VMs%n",
                o.count(), o.memMib(), o.warmup()));
        sb.append("machine: ").append(m.cpuModel()).append(", ").append(m.cores()).append(" cores, ").append(m.kernel())
                .append(", load average at start ").append(m.load()).append('\n');
        sb.append("kvm:     ").append(m.kvm()).append('\n');
        sb.append("qemu:    ").append(m.qemuVersion()).append('\n');
        sb.append("java:    ").append(m.javaRuntime()).append("\n\n");
        TextTable t = new TextTable("metric", "Flotilla (REST API, POST /vms)", "QEMU microvm (one process per VM)");
        String skipped = "skipped";
        t.row("VMs created / processes started", f.created() + " of " + f.asked(), q.map(s -> s.created() + " of " + s.asked()).orElse(skipped));
        t.row("admitted/s (Flotilla: 201s; QEMU: spawns)", rate(f.admittedPerS(), f.lastAdmittedMs()),
                q.map(s -> rate(s.admittedPerS(), s.lastAdmittedMs())).orElse(skipped));
        t.row("booted/s (until the last guest booted)", rate(f.bootedPerS(), f.allBootedMs()),
                q.map(s -> rate(s.bootedPerS(), s.allBootedMs())).orElse(skipped));
        t.row("booted", Long.toString(f.booted()), q.map(s -> Long.toString(s.booted())).orElse(skipped));
        t.row("request latency p50 / p99", String.format(Locale.ROOT, "%.0f / %.0f ms", f.p50Ms(), f.p99Ms()), q.map(s -> "n/a").orElse(skipped));
        t.row("boot p50 (Flotilla: start to boot timer; QEMU: spawn to probe line)", f.bootP50Ms().map(ApiBench::ms).orElse("-"),
                q.flatMap(Side::bootP50Ms).map(ApiBench::ms).orElse(q.isPresent() ? "-" : skipped));
        t.row("429 answers (retried)", Integer.toString(f.rateLimited()), q.map(s -> "n/a").orElse(skipped));
        t.row("failures", Integer.toString(f.failures().size()), q.map(s -> Integer.toString(s.failures().size())).orElse(skipped));
        sb.append(t.render());
        List<String> failures = new ArrayList<>(f.failures());
        q.ifPresent(s -> failures.addAll(s.failures()));
        failures.stream().limit(10).forEach(x -> sb.append("failure: ").append(x).append('\n'));
        return sb.toString();
    }

    private static String rate(double perS, double overMs) {
        return String.format(Locale.ROOT, "%.0f /s (%.0f ms)", perS, overMs);
    }

    private static String ms(double v) {
        return String.format(Locale.ROOT, "%.1f ms", v);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
