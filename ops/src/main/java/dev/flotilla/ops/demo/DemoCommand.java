package dev.flotilla.ops.demo;

import dev.flotilla.ops.UsageException;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.ops.ProbeGuestImage;
import dev.flotilla.ops.serve.Daemon;
import dev.flotilla.ops.serve.FlotillaConfig;
import dev.flotilla.vm.stats.Percentiles;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code flotilla demo}: the README's first command. Starts the daemon in this JVM on its embedded defaults
 * (loopback, a free API port, a free Prometheus port, a temporary state directory), creates N probe-guest VMs
 * through the REST API exactly as any client would, and reports what happened.
 */
public final class DemoCommand {

    static final String BOOT_ARGS = "console=ttyS0 probe.hold";

    private DemoCommand() {}

    public static int execute(List<String> args) {
        if (args.contains("--help") || args.contains("-h")) {
            System.out.println(DemoOptions.USAGE);
            return 0;
        }
        DemoOptions o;
        try {
            o = DemoOptions.parse(args);
        } catch (UsageException e) {
            System.err.println("flotilla demo: " + e.getMessage());
            System.err.println(DemoOptions.USAGE);
            return 2;
        }
        // the demo talks to the terminal; the daemon's routine logs would bury it
        if (System.getProperty("flotilla.log.level") == null) System.setProperty("flotilla.log.level", "WARN");
        return run(o, System.out, System.err);
    }

    static int run(DemoOptions o, PrintStream out, PrintStream err) {
        Path stateDir;
        try {
            stateDir = Files.createTempDirectory("flotilla-demo-");
        } catch (IOException e) {
            err.println("flotilla demo: cannot create a temporary state directory: " + e.getMessage() + "; set TMPDIR to a writable directory");
            return 1;
        }
        int metricsPort = freePort();
        Config config = FlotillaConfig.withDefaults(ConfigFactory.parseMap(Map.of(
                "flotilla.serve.state-dir", stateDir.toString(),
                "flotilla.api.port", o.port(),
                "kamon.prometheus.embedded-server.port", metricsPort,
                // the demo's guests idle in hlt after booting and touch under 1 MiB of their RAM: room for all of
                // them whatever the core count and memory (a real fleet keeps memory over-commit at 1)
                "flotilla.fleet.over-commit.cpu", Math.max(128, 2 * o.count()),
                "flotilla.fleet.over-commit.memory", 4.0)));
        err.println("flotilla demo: starting the daemon (state in " + stateDir + ") ...");
        Daemon daemon;
        try {
            daemon = Daemon.start(config);
        } catch (RuntimeException e) {
            err.println("flotilla demo: " + e.getMessage());
            deleteTree(stateDir);
            return 1;
        }
        boolean keep = false;
        try {
            FlotillaClient client = new FlotillaClient(URI.create(daemon.apiUrl()));
            Path kernel = ProbeGuestImage.path();
            List<String> ids = new ArrayList<>();
            for (int i = 1; i <= o.count(); i++) ids.add(String.format(Locale.ROOT, "demo-%03d", i));
            err.printf(Locale.ROOT, "flotilla demo: creating %d microVMs (probe guest, 1 vCPU, %d MiB) through POST %s/vms%s%n",
                    o.count(), o.memMib(), daemon.apiUrl(), o.rate() > 0 ? " at " + o.rate() + " requests/s" : ", all at once");
            long rssBefore = ProcessMemory.residentKib();
            StatusLine status = new StatusLine(err);
            ApiBurst.Result r = new ApiBurst(client, kernel, BOOT_ARGS, o.memMib())
                    .run(ids, o.rate(), true, Duration.ofSeconds(60 + o.count() / 5), status::show);
            status.end();
            long rssAfter = ProcessMemory.residentKib();
            out.print(report(r, o, rssBefore, rssAfter));
            out.println();
            out.println("The daemon:");
            out.println("  API       " + daemon.apiUrl() + "          try: curl -s " + daemon.apiUrl() + "/vms");
            out.println("  OpenAPI   " + daemon.apiUrl() + "/openapi.yaml");
            out.println("  events    " + daemon.apiUrl() + "/events (server-sent events of VM state changes)");
            out.println("  metrics   " + daemon.metricsUrl() + " (Prometheus)");
            out.println("  state     " + daemon.settings().database() + " (consoles in " + daemon.settings().consoleFilesDir().orElse(stateDir) + ")");
            boolean allGood = r.created().size() == o.count() && r.booted() == o.count();
            if (o.keep()) {
                keep = true;
                out.println("Serving until Ctrl-C (--keep); run `ops/bin/flotilla serve` for a daemon of your own.");
                out.flush();
                Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "flotilla-demo-shutdown"));
                daemon.whenTerminated().join();
                return 0;
            }
            err.println("flotilla demo: deleting the VMs and stopping (--keep leaves them running)");
            List<java.util.concurrent.CompletableFuture<FlotillaClient.Answer>> deletes = new ArrayList<>();
            for (ApiBurst.Creation c : r.created()) deletes.add(client.send("DELETE", "/vms/" + c.id(), null));
            deletes.forEach(java.util.concurrent.CompletableFuture::join);
            if (!allGood) {
                err.println("flotilla demo: " + (o.count() - r.created().size()) + " VM(s) were not created and "
                        + (r.created().size() - r.booted()) + " did not boot; the table shows each one's answer");
            }
            return allGood ? 0 : 1;
        } finally {
            if (!keep) {
                daemon.close();
                deleteTree(stateDir);
            }
        }
    }

    static String report(ApiBurst.Result r, DemoOptions o, long rssBeforeKib, long rssAfterKib) {
        StringBuilder sb = new StringBuilder();
        sb.append('\n');
        sb.append(String.format(Locale.ROOT, "%-10s %6s %6s %12s %9s  %s%n", "vm", "HTTP", "429s", "request ms", "boot ms", "state"));
        List<ApiBurst.Creation> rows = new ArrayList<>(r.creations());
        rows.sort(Comparator.comparing(ApiBurst.Creation::id));
        List<Double> boots = new ArrayList<>(), latencies = new ArrayList<>();
        for (ApiBurst.Creation c : rows) {
            FlotillaClient.VmStatus v = r.vms().get(c.id());
            double boot = v == null ? -1 : v.bootMs();
            if (boot >= 0) boots.add(boot);
            if (c.lastRequestMs() >= 0) latencies.add(c.lastRequestMs());
            sb.append(String.format(Locale.ROOT, "%-10s %6d %6d %12.1f %9s  %s%n", c.id(), c.status(), c.rateLimited(),
                    c.lastRequestMs(), boot >= 0 ? String.format(Locale.ROOT, "%.1f", boot) : "-",
                    v == null ? (c.fault().isEmpty() ? "?" : c.fault()) : v.state()));
        }
        int created = r.created().size();
        sb.append('\n');
        sb.append(String.format(Locale.ROOT, "created   %d of %d (%d request(s) answered 429 and retried after Retry-After)%n",
                created, o.count(), rows.stream().mapToInt(ApiBurst.Creation::rateLimited).sum()));
        if (r.lastAdmittedAtMs() > 0) {
            sb.append(String.format(Locale.ROOT, "admitted  %.1f VMs/s  (%d in %.0f ms, first request to last 201)%n",
                    created / (r.lastAdmittedAtMs() / 1000), created, r.lastAdmittedAtMs()));
        }
        if (r.allBootedAtMs() > 0) {
            sb.append(String.format(Locale.ROOT, "booted    %.1f VMs/s  (%d in %.0f ms, first request until GET /vms shows every one booted)%n",
                    r.booted() / (r.allBootedAtMs() / 1000), r.booted(), r.allBootedAtMs()));
        } else {
            sb.append(String.format(Locale.ROOT, "booted    %d of %d within the deadline%n", r.booted(), created));
        }
        if (!boots.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "boot      p50 %.1f ms, max %.1f ms  (InstanceStart to the guest's boot-timer write)%n",
                    Percentiles.of(boots, 50), Percentiles.of(boots, 100)));
        }
        if (!latencies.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "request   p50 %.1f ms, p99 %.1f ms  (POST /vms until its answer: the VM is running by then)%n",
                    Percentiles.of(latencies, 50), Percentiles.of(latencies, 99)));
        }
        if (rssBeforeKib > 0 && rssAfterKib > 0 && created > 0) {
            double growthMib = (rssAfterKib - rssBeforeKib) / 1024.0;
            sb.append(String.format(Locale.ROOT, "memory    this process grew %.1f MiB for %d VMs: %.2f MiB per VM (VMM state and the guest RAM "
                    + "it touched; each VM has %d MiB of guest RAM, mapped lazily)%n", growthMib, created, growthMib / created, o.memMib()));
        }
        return sb.toString();
    }

    /** A free loopback port now (another process may take it before it is bound: fine for a demo or a benchmark). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free loopback port for the metrics endpoint", e);
        }
    }

    public static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary directory is harmless
        }
    }

    /** One status line on stderr, rewritten in place (at most ten times a second). */
    static final class StatusLine {
        private final PrintStream err;
        private long lastNanos;
        private String last = "";

        StatusLine(PrintStream err) {
            this.err = err;
        }

        synchronized void show(ApiBurst.Progress p) {
            String text = String.format(Locale.ROOT, "  answered %d/%d  created %d  429s %d  failed %d  booted %d",
                    p.answered(), p.total(), p.created(), p.rateLimited(), p.failed(), p.booted());
            long now = System.nanoTime();
            if (text.equals(last) || (now - lastNanos < 100_000_000L && p.booted() < p.created())) return;
            last = text;
            lastNanos = now;
            err.print("\r" + text);
            err.flush();
        }

        synchronized void end() {
            err.println();
        }
    }
}
