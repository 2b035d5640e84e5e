package dev.flotilla.ops.bench;

import dev.flotilla.vm.EndReason;
import dev.flotilla.vm.VmInfo;
import dev.flotilla.vm.config.NetworkInterfaceConfig;
import dev.flotilla.vm.config.VmDevices;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The net part of {@code flotilla bench devices}: the probe's {@code netserve} answers ICMP echo while
 * the host end of its TAP, in a namespace of the benchmark's own, pings it adaptively (busybox
 * {@code ping -A}: the next request as soon as the reply is in, so one echo in flight) for S seconds.
 * Flotilla creates the TAP itself in the host namespace; it is then moved into the namespace (the VMM
 * keeps its fd). QEMU cannot create it there, so the TAP is made in the namespace first and QEMU runs
 * under {@code ip netns exec}. The peer's CPU is read just before the ping starts and just after it ends.
 */
final class NetBench {

    static final String IFACE = "eth0";
    private static final String SERVING = "probe: netserve: serving";
    /** Boot, namespace and TAP set-up, and the ping's own start, before the S seconds of pinging. */
    private static final long SERVE_MARGIN_MS = 5000;

    private final DevicesOptions options;
    private final Path kernel;
    private final Progress progress;
    private final FlotillaFleet fleet;
    private final List<String> setup;
    private final List<String> failures;
    private final Map<Workload, List<DeviceSample>> flotilla;
    private final Map<Workload, List<DeviceSample>> qemu;

    NetBench(DevicesOptions options, Path kernel, Progress progress, FlotillaFleet fleet, List<String> setup,
             List<String> failures, Map<Workload, List<DeviceSample>> flotilla, Map<Workload, List<DeviceSample>> qemu) {
        this.options = options;
        this.kernel = kernel;
        this.progress = progress;
        this.fleet = fleet;
        this.setup = setup;
        this.failures = failures;
        this.flotilla = flotilla;
        this.qemu = qemu;
    }

    void run() {
        Optional<String> why = NetNamespace.unavailable();
        if (why.isPresent()) {
            setup.add("net: skipped: " + why.get());
            progress.phase("net: skipped: " + why.get());
            return;
        }
        setup.add("net: guest command line: " + cmdline("169.254.X.2", "169.254.X.1", options.seconds() * 1000L + SERVE_MARGIN_MS)
                + "; host: ip netns exec <ns> busybox ping -q -A -w " + options.seconds() + " 169.254.X.2 (one echo in flight; "
                + "56-byte payload); no offloads on either device");
        progress.phase("net: warm-up, 1 s of pings on each peer");
        runPair(1, false);
        for (int r = 1; r <= options.rounds(); r++) {
            progress.phase("net: round " + r + " of " + options.rounds() + ", " + options.seconds() + " s of pings per peer");
            runPair(options.seconds(), true);
        }
    }

    static String cmdline(String guestIp, String hostIp, long serveMs) {
        return "console=ttyS0 probe.run=" + Workload.NET_ECHO.routine + " probe.net.serve_ms=" + serveMs
                + " probe.net.ip=" + guestIp + " probe.net.peer=" + hostIp;
    }

    private void runPair(int seconds, boolean record) {
        try {
            flotillaRun(seconds).ifPresent(s -> keep("Flotilla", s, record ? flotilla : null));
        } catch (RuntimeException e) {
            failures.add("Flotilla net: " + e.getMessage());
        }
        if (options.skipQemu()) return;
        try {
            qemuRun(seconds).ifPresent(s -> keep("QEMU", s, record ? qemu : null));
        } catch (RuntimeException e) {
            failures.add("QEMU net: " + e.getMessage());
        }
    }

    private void keep(String peer, DeviceSample s, Map<Workload, List<DeviceSample>> into) {
        progress.phase(String.format(java.util.Locale.ROOT, "  %s%s: %.0f echoes/s, CPU µs/echo device %s, process %s", peer,
                into == null ? " (warm-up)" : "", s.requestsPerSecond(),
                s.cost().map(c -> DevicesTable.num(c.device(), 1)).orElse("?"), s.cost().map(c -> DevicesTable.num(c.process(), 1)).orElse("?")));
        if (into != null) into.computeIfAbsent(Workload.NET_ECHO, k -> new ArrayList<>()).add(s);
    }

    /** Watches a console for netserve's cue and result line. */
    private static final class Watch implements Consumer<String> {
        final CompletableFuture<String> serving = new CompletableFuture<>();
        final AtomicReference<ProbeResult> result = new AtomicReference<>();

        @Override
        public void accept(String line) {
            if (line.startsWith(SERVING)) serving.complete(line);
            ProbeResult.parse(line).filter(r -> r.routine().equals(Workload.NET_ECHO.routine)).ifPresent(result::set);
        }
    }

    private Optional<DeviceSample> flotillaRun(int seconds) {
        long serveMs = seconds * 1000L + SERVE_MARGIN_MS;
        try (NetNamespace ns = NetNamespace.create()) {
            String tap = NetNamespace.randomName("flbt");
            VmDevices devices = new VmDevices(List.of(), List.of(new NetworkInterfaceConfig(IFACE, tap, Optional.of(ns.guestMac()),
                    Optional.empty(), Optional.empty())), Optional.empty(), Optional.empty(), Optional.empty());
            Watch watch = new Watch();
            FlotillaVm vm = fleet.launch(cmdline(ns.guestIp(), ns.hostIp(), serveMs), devices, id -> watch);
            try {
                if (Await.until(vm.resources, Await.deadline(30)).isEmpty()) {
                    failures.add("Flotilla " + vm.id() + ": the VM with TAP " + tap + " was not built within 30 s: "
                            + vm.resources.handle((r, e) -> e == null ? "" : e.getMessage()).getNow("still building"));
                    return Optional.empty();
                }
                ns.adopt(tap);
                if (Await.until(watch.serving, Await.deadline(30)).isEmpty()) {
                    failures.add("Flotilla " + vm.id() + ": no '" + SERVING + "' within 30 s; console tail: " + vm.console.tail(300).replace('\n', '|'));
                    return Optional.empty();
                }
                Optional<DeviceSample> s = ping(ns, seconds, FlotillaCpu.of(vm.id(), "net-" + IFACE), "Flotilla " + vm.id());
                Optional<VmInfo> end = Await.until(vm.ended, Await.deadline(serveMs / 1000 + 30));
                if (end.isEmpty() || end.get().endReason() == null || end.get().endReason().kind() != EndReason.Kind.RESET) {
                    failures.add("Flotilla " + vm.id() + ": did not end by resetting: " + end.map(VmInfo::endReason).map(String::valueOf).orElse("no end")
                            + "; console tail: " + vm.console.tail(300).replace('\n', '|'));
                }
                checkServed("Flotilla " + vm.id(), watch, s);
                return s;
            } finally {
                if (!vm.ended.isDone()) {
                    fleet.stop(vm);
                    Await.until(vm.ended, Await.deadline(10));
                }
            }
        }
    }

    private Optional<DeviceSample> qemuRun(int seconds) {
        long serveMs = seconds * 1000L + SERVE_MARGIN_MS;
        try (NetNamespace ns = NetNamespace.create()) {
            String tap = NetNamespace.randomName("flbq");
            ns.createTap(tap);
            QemuCommand base = new QemuCommand(options.qemu(), 1, DevicesBench.MEM_MIB, kernel, cmdline(ns.guestIp(), ns.hostIp(), serveMs));
            List<String> argv = ns.inside(QemuDevices.argv(base, QemuDevices.tap(tap, ns.guestMac())).toArray(String[]::new));
            Watch watch = new Watch();
            QemuVm vm;
            try {
                vm = QemuVm.spawn(argv, pid -> watch);   // ip netns exec execs QEMU: the pid is QEMU's
            } catch (IOException e) {
                failures.add("cannot start " + String.join(" ", argv.subList(0, 5)) + ": " + e.getMessage());
                return Optional.empty();
            }
            try {
                if (Await.until(watch.serving, Await.deadline(30)).isEmpty()) {
                    failures.add("QEMU: no '" + SERVING + "' within 30 s: " + vm.failure());
                    return Optional.empty();
                }
                long pid = vm.pid();
                Optional<DeviceSample> s = ping(ns, seconds, () -> TaskCpu.qemuSample(TaskCpu.read(pid)), "QEMU pid " + pid);
                if (Await.until(vm.exited, Await.deadline(serveMs / 1000 + 30)).isEmpty() || !vm.bootedAndExitedCleanly()) {
                    failures.add("QEMU: " + vm.failure());
                }
                checkServed("QEMU pid " + pid, watch, s);
                return s;
            } finally {
                if (!vm.exited.isDone()) {
                    vm.process.destroy();
                    if (Await.until(vm.exited, Await.deadline(5)).isEmpty()) vm.process.destroyForcibly();
                }
            }
        }
    }

    /** The guest answered at least every echo the host saw answered. */
    private void checkServed(String who, Watch watch, Optional<DeviceSample> s) {
        ProbeResult r = watch.result.get();
        if (r == null || !r.ok()) {
            failures.add(who + ": netserve: " + (r == null ? "no result line" : r.line()));
        } else if (s.isPresent() && r.number("answered") < s.get().requests()) {
            failures.add(who + ": the guest answered " + r.number("answered") + " echoes, the host received " + s.get().requests());
        }
    }

    private Optional<DeviceSample> ping(NetNamespace ns, int seconds, Supplier<CpuSample> cpu, String who) {
        List<String> argv = ns.inside("busybox", "ping", "-q", "-A", "-w", Integer.toString(seconds), ns.guestIp());
        CpuSample c0 = cpu.get();
        long t0 = System.nanoTime();
        String out;
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            if (!p.waitFor(seconds + 30L, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                failures.add(who + ": " + String.join(" ", argv) + " did not end within " + (seconds + 30) + " s");
                return Optional.empty();
            }
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            failures.add(who + ": cannot run " + String.join(" ", argv) + ": " + e.getMessage());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        long t1 = System.nanoTime();
        CpuSample c1 = cpu.get();
        Optional<PingSummary> summary = PingSummary.parse(out);
        if (summary.isEmpty() || summary.get().received() == 0) {
            failures.add(who + ": no echo replies: " + out.strip().replace('\n', '|'));
            return Optional.empty();
        }
        long received = summary.get().received();
        return Optional.of(new DeviceSample(Workload.NET_ECHO, received, 0, 2 * received, (t1 - t0) / 1000, Optional.of(c1.minus(c0))));
    }
}
