package dev.flotilla.ops.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.ops.demo.ApiBurst;
import dev.flotilla.ops.demo.FlotillaClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet through a real {@code flotilla serve} process: a burst over the admission rate, and the
 * desired state surviving {@code kill -9} (and an orderly SIGTERM) of the daemon. The Prometheus scrape is
 * checked against what the API said.
 */
class DaemonFleetIT {

    private static final String HOLD = "console=ttyS0 probe.hold";

    @TempDir
    Path dir;

    @BeforeAll
    static void kvm() {
        DaemonProcess.assumeKvm();
    }

    @Test
    void burstOf300AtRate100EveryRequestAnsweredEveryAdmittedVmBootsAndMetricsAgree() throws Exception {
        Path kernel = DaemonProcess.probeUnder(dir);
        try (DaemonProcess d = DaemonProcess.start(dir, String.join("\n",
                "flotilla.fleet.admission.rate-per-second = 100",
                "flotilla.fleet.admission.burst = 100",
                // more than the default 2 cores x 128: held probe guests sit in hlt
                "flotilla.fleet.over-commit.cpu = 400"))) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 300; i++) ids.add(String.format("b%03d", i));
            // open the client's connections first (a client pool's steady state), so the burst is not paced by TCP set-up
            List<java.util.concurrent.CompletableFuture<FlotillaClient.Answer>> warm = new ArrayList<>();
            for (int i = 0; i < 300; i++) warm.add(d.api().send("GET", "/hosts", null));
            warm.forEach(java.util.concurrent.CompletableFuture::join);
            ApiBurst.Result r = new ApiBurst(d.api(), kernel, HOLD, 32).run(ids, 0, false, Duration.ofSeconds(120), p -> {});

            assertEquals(300, r.creations().size(), "every request answered");
            double lastAnswerMs = r.creations().stream().mapToDouble(ApiBurst.Creation::answeredAtMs).max().orElse(0);
            System.err.printf("burst: created %d, 429 %d, last answer at %.0f ms, last 201 at %.0f ms, all booted at %.0f ms%n",
                    r.created().size(), 300 - r.created().size(), lastAnswerMs, r.lastAdmittedAtMs(), r.allBootedAtMs());
            List<String> created = new ArrayList<>(), limited = new ArrayList<>();
            for (ApiBurst.Creation c : r.creations()) {
                assertTrue(c.status() == 201 || c.status() == 429, () -> c.id() + " answered " + c.status() + ": " + c.fault());
                (c.status() == 201 ? created : limited).add(c.id());
            }
            // a full bucket of 100, plus at most what refills at 100/s while the requests arrive
            assertTrue(created.size() >= 100 && created.size() <= 100 + 100 * lastAnswerMs / 1000 + 1,
                    "created " + created.size() + " within " + lastAnswerMs + " ms");
            assertEquals(created.size(), (int) r.booted(), "every admitted VM booted");

            List<FlotillaClient.VmStatus> listed = d.api().listVms();
            assertEquals(created.stream().sorted().toList(), DaemonProcess.ids(listed), "GET /vms lists exactly the admitted VMs");
            assertTrue(listed.stream().allMatch(v -> v.state().equals("running") && v.booted()), listed::toString);
            var host = d.api().call("GET", "/hosts", null).json().get("hosts").get(0);
            assertEquals(created.size(), host.get("vm_count").asInt(), "the host agent runs what the registry lists");
            assertEquals(created.size(), vcpuThreads(d.pid()), "one vCPU thread per admitted VM in the daemon process");

            // the Prometheus scrape (Kamon ticks every second here, the collector polls every second)
            String probe = created.get(0);
            DaemonProcess.await("the scrape to catch up", Duration.ofSeconds(20), () -> {
                try {
                    String s = d.scrape();
                    return DaemonProcess.sample(s, "flotilla_fleet_vms", Map.of("state", "running")) == created.size()
                            && DaemonProcess.sample(s, "flotilla_vm_vcpu_exits_total", Map.of("vm", probe, "reason", "io_out")) > 0;
                } catch (Exception e) {
                    return false;
                }
            });
            String s = d.scrape();
            assertEquals(created.size(), DaemonProcess.sample(s, "flotilla_fleet_admissions_total", Map.of("outcome", "admitted")), 0.0);
            assertEquals(limited.size(), DaemonProcess.sample(s, "flotilla_fleet_admissions_total", Map.of("outcome", "rate_limited")), 0.0);
            assertEquals(created.size(), DaemonProcess.sample(s, "flotilla_fleet_creation_latency_seconds_count", Map.of("outcome", "created")), 0.0);
            assertEquals(limited.size(), DaemonProcess.sample(s, "flotilla_fleet_creation_latency_seconds_count", Map.of("outcome", "rate_limited")), 0.0);
            assertEquals(1.0, DaemonProcess.sample(s, "flotilla_vm_boot_time_seconds_count", Map.of("vm", probe)), 0.0);
            assertEquals(1.0, DaemonProcess.sample(s, "flotilla_vm_state", Map.of("vm", probe, "state", "running")), 0.0);
            for (String state : List.of("configuring", "starting", "paused", "stopping", "stopped", "failed")) {
                double v = DaemonProcess.sample(s, "flotilla_vm_state", Map.of("vm", probe, "state", state));
                assertTrue(Double.isNaN(v) || v == 0.0, () -> probe + " is running, yet its " + state + " series is " + v);
            }
            assertEquals(created.size(), DaemonProcess.sample(s, "flotilla_host_vcpus", Map.of("kind", "allocated")), 0.0);
            // allocated = guest RAM plus the default per-VM overhead (flotilla.fleet.host-memory.vm-overhead = 4MiB)
            assertEquals((double) created.size() * (32 + 4) * 1024 * 1024, DaemonProcess.sample(s, "flotilla_host_memory_bytes", Map.of("kind", "allocated")), 0.0);
            assertTrue(DaemonProcess.sample(s, "flotilla_host_vcpus", Map.of("kind", "capacity")) > 0);
            assertTrue(s.contains("jvm_memory"), "Kamon's JVM metrics are exported too");
        }
    }

    @Test
    void killMinus9WithTwentyVmsAndRestartBringsBackExactlyThoseTwenty() throws Exception {
        Path kernel = DaemonProcess.probeUnder(dir);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) ids.add(String.format("keep%02d", i));
        DaemonProcess first = DaemonProcess.start(dir, "");
        try {
            ApiBurst.Result r = new ApiBurst(first.api(), kernel, HOLD, 32).run(ids, 0, true, Duration.ofSeconds(60), p -> {});
            assertEquals(20, r.created().size());
            assertEquals(20, r.booted());
            // one VM deleted before the crash must stay deleted
            assertEquals(204, first.api().call("DELETE", "/vms/keep19", null).status());
            first.kill9();
        } finally {
            first.close();
        }
        List<String> expected = ids.subList(0, 19);

        try (DaemonProcess second = DaemonProcess.start(dir, "")) {
            awaitRunning(second, expected);
            assertEquals(19, vcpuThreads(second.pid()), "each VM booted once: one vCPU thread each, none duplicated");
            // SIGTERM: the VMs stop, their desired state stays
            assertEquals(143, second.terminate(), "exit status of a JVM ended by SIGTERM");
            String log = second.logText();
            assertTrue(log.contains("every VM is released"), log);
            assertFalse(log.contains("\"level\":\"ERROR\""), log);
        }
        try (DaemonProcess third = DaemonProcess.start(dir, "")) {
            awaitRunning(third, expected);
            assertEquals(19, vcpuThreads(third.pid()));
        }
    }

    private static void awaitRunning(DaemonProcess d, List<String> expected) throws InterruptedException {
        DaemonProcess.await("the " + expected.size() + " VMs of the desired state to run and boot again", Duration.ofSeconds(60), () -> {
            List<FlotillaClient.VmStatus> vms = d.api().listVms();
            return vms.size() == expected.size() && vms.stream().allMatch(v -> v.state().equals("running") && v.booted());
        });
        List<FlotillaClient.VmStatus> vms = d.api().listVms();
        assertEquals(expected, DaemonProcess.ids(vms), "exactly the VMs that should run, by id");
        Set<String> unique = new HashSet<>(DaemonProcess.ids(vms));
        assertEquals(vms.size(), unique.size(), "no id listed twice");
    }

    /** The daemon's vCPU threads (named vcpu-<vm>-<n>), i.e. VMs running with one vCPU each. */
    private static int vcpuThreads(long pid) throws Exception {
        int n = 0;
        try (var tasks = java.nio.file.Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    if (java.nio.file.Files.readString(t.resolve("comm")).trim().startsWith("vcpu-")) n++;
                } catch (java.nio.file.NoSuchFileException gone) {
                    // a thread that ended between the listing and the read (the JVM's own come and go)
                }
            }
        }
        return n;
    }
}
