package dev.flotilla.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.pattern.StatusReply;
import dev.flotilla.kvm.testing.TestNetns;
import dev.flotilla.kvm.x86.boot.BootProtocol;
import dev.flotilla.vm.config.BootSource;
import dev.flotilla.vm.config.CpuTemplate;
import dev.flotilla.vm.config.HugePages;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.NetworkInterfaceConfig;
import dev.flotilla.vm.config.RateLimiterConfig;
import dev.flotilla.vm.config.TokenBucketConfig;
import dev.flotilla.vm.config.VmDevices;
import dev.flotilla.vm.config.VmSpec;
import dev.flotilla.vm.console.ConsoleSink;
import dev.flotilla.vm.devices.net.NetMetrics;
import dev.flotilla.vm.devices.net.VirtioNet;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * virtio-net on the real /dev/bed.kvm() with the probe guest and a real TAP. The VMM creates the TAP by
 * name; the test then moves its host end into a namespace of its own with a link-local address,
 * and only ever talks to the guest behind it.
 */
class VirtioNetIT {

    private static final AtomicInteger ids = new AtomicInteger();
    @RegisterExtension
    static final KvmTestBed bed = new KvmTestBed();

    @BeforeAll
    static void needTun() {
        TestNetns.assumeTun();
    }

    /** A started VM with one network interface. */
    record Running(String id, ActorRef<MicroVm.Command> vm, ConsoleSink console, VmResources resources) {
        VirtioNet net() {
            return (VirtioNet) resources.devices().stream().filter(d -> d.kind().equals("net")).findFirst()
                    .orElseThrow().device();
        }

        void stop() {
            bed.stop(vm);
        }
    }

    private static Running start(String cmdline, NetworkInterfaceConfig nic) {
        String id = "net-it-" + ids.incrementAndGet();
        VmSpec spec = new VmSpec(id, new MachineConfig(1, 128, false, CpuTemplate.NONE, false, HugePages.NONE),
                new BootSource(ProbeGuest.elf(), Optional.empty(), cmdline),
                new VmDevices(List.of(), List.of(nic), Optional.empty(), Optional.empty(), Optional.empty()));
        KvmTestBed.Started s = bed.start(spec, BootProtocol.AUTO);
        return new Running(id, s.vm(), s.console(), s.resources().get());
    }

    private static String awaitLine(ConsoleSink console, String prefix, int seconds) throws Exception {
        try {
            return console.awaitLine(l -> l.contains(prefix)).get(seconds, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no '" + prefix + "' within " + seconds + " s; console:\n" + console.snapshot());
        }
    }

    private static String output(Process p, int seconds) throws Exception {
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("process did not finish in " + seconds + " s");
        }
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static int answered(String line) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("answered=(\\d+)").matcher(line);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static NetworkInterfaceConfig nic(String tap, TestNetns ns, Optional<RateLimiterConfig> tx) {
        return new NetworkInterfaceConfig("eth0", tap, Optional.of(ns.guestMac()), Optional.empty(), tx);
    }

    @Test
    void framesCrossBothWaysThroughARealTap() throws Exception {
        String tap = TestNetns.randomName("fltn");
        try (TestNetns ns = TestNetns.create()) {
            Running vm = start("console=ttyS0 probe.run=netserve,net probe.net.serve_ms=9000 probe.hold"
                    + " probe.net.ip=" + ns.guestIp() + " probe.net.peer=" + ns.hostIp(), nic(tap, ns, Optional.empty()));
            try {
                ns.adopt(tap);
                String up = awaitLine(vm.console(), "probe: netserve: serving", 30);
                assertTrue(up.contains("mac=" + ns.guestMac()), () -> "the guest took its MAC from the config space: " + up);

                String ping = output(ns.exec("busybox", "ping", "-c", "3", "-W", "2", ns.guestIp()), 30);
                assertTrue(ping.contains("3 packets transmitted, 3 packets received"), () -> "host -> guest ping:\n" + ping);

                // Throughput as fast as the guest answers: one echo in flight, the next sent on each reply.
                Thread worker = Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().equals("virtio-" + vm.id() + "-net-eth0")).findFirst().orElseThrow();
                java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
                long frames0 = vm.net().metrics().rxFrames() + vm.net().metrics().txFrames();
                long cpu0 = mx.getThreadCpuTime(worker.getId());
                long t0 = System.nanoTime();
                String burst = output(ns.exec("busybox", "ping", "-q", "-A", "-c", "300", "-w", "5", ns.guestIp()), 30);
                double secs = (System.nanoTime() - t0) / 1e9;
                long frames = vm.net().metrics().rxFrames() + vm.net().metrics().txFrames() - frames0;
                long cpuUs = (mx.getThreadCpuTime(worker.getId()) - cpu0) / 1_000;
                System.out.printf("virtio-net adaptive ping: %d frames in %.2f s = %.0f frames/s, worker CPU %.1f us/frame; %s%n",
                        frames, secs, frames / secs, (double) cpuUs / Math.max(1, frames), burst.replace('\n', ' '));
                assertTrue(burst.contains(" 0% packet loss"), burst);

                String served = awaitLine(vm.console(), "probe: run netserve", 30);
                assertTrue(served.matches(".*ok answered=\\d+.*") && answered(served) >= 3 + 1, served);
                String net = awaitLine(vm.console(), "probe: run net ", 30);
                assertTrue(net.contains("ok sent=3 replies=3"), () -> "guest -> host ping: " + net + "\n" + vm.console().snapshot());
                awaitLine(vm.console(), "probe: holding", 10);

                // A frame the host sent a moment ago may still be on its way: let the counts settle.
                long settle = System.nanoTime() + 2_000_000_000L;
                while (ns.counts(tap).txPackets() != vm.net().metrics().rxFrames() + vm.net().metrics().rxDropped()
                        && System.nanoTime() < settle) {
                    Thread.sleep(20);
                }
                NetMetrics.Snapshot m = vm.net().metrics().snapshot();
                TestNetns.LinkCounts host = ns.counts(tap);
                // guest: 3 echo replies + 3 echo requests + at least one ARP message
                assertTrue(m.txFrames() >= 7, m::toString);
                // host: 3 echo requests + 3 echo replies + at least one ARP message
                assertTrue(m.rxFrames() >= 7, m::toString);
                assertEquals(m.txFrames(), host.rxPackets(), () -> "every frame the device sent reached the host end: " + m + " " + host);
                assertEquals(host.txPackets(), m.rxFrames() + m.rxDropped(),
                        () -> "every frame the host sent reached the device: " + m + " " + host);
                assertEquals(0, m.rxMalformed() + m.txMalformed() + m.tapReadErrors(), m::toString);
                System.out.println("virtio-net frames both ways: device " + m + ", host end " + host);
            } finally {
                vm.stop();
            }
        }
    }

    /** Frames per second the device sent over {@code ms}, from its own counter and from the host end's. */
    private static double[] txRate(Running vm, TestNetns ns, String tap, long ms) throws InterruptedException {
        long f0 = vm.net().metrics().txFrames();
        long h0 = ns.counts(tap).rxPackets();
        long t0 = System.nanoTime();
        Thread.sleep(ms);
        long f1 = vm.net().metrics().txFrames();
        long h1 = ns.counts(tap).rxPackets();
        double secs = (System.nanoTime() - t0) / 1e9;
        return new double[] {(f1 - f0) / secs, (h1 - h0) / secs};
    }

    @Test
    void rateLimitsHoldTheFrameRatesAndCanBeChangedLive() throws Exception {
        String tap = TestNetns.randomName("fltn");
        try (TestNetns ns = TestNetns.create()) {
            Running vm = start("console=ttyS0 probe.run=netserve probe.net.serve_ms=60000"
                    + " probe.net.ip=" + ns.guestIp() + " probe.net.peer=" + ns.hostIp(), nic(tap, ns, Optional.empty()));
            Process flood = null;
            try {
                ns.adopt(tap);
                awaitLine(vm.console(), "probe: netserve: serving", 30);
                // 100 echo requests/s offered: each answered one is one guest frame.
                flood = ns.exec("busybox", "ping", "-q", "-i", "0.01", "-w", "60", ns.guestIp());
                Thread.sleep(1_000);
                double[] free = txRate(vm, ns, tap, 3_000);
                System.out.printf("virtio-net tx unlimited: %.1f frames/s (host end %.1f)%n", free[0], free[1]);

                vm.net().updateRateLimiters(Optional.empty(), Optional.of(ops(5, 200)));     // 25 frames/s
                Thread.sleep(1_000);
                double[] limitA = txRate(vm, ns, tap, 5_000);
                System.out.printf("virtio-net tx limited to 25 ops/s: %.1f frames/s (host end %.1f)%n", limitA[0], limitA[1]);

                vm.net().updateRateLimiters(Optional.empty(), Optional.of(ops(2, 200)));     // 10 frames/s
                Thread.sleep(1_000);
                double[] limitB = txRate(vm, ns, tap, 5_000);
                System.out.printf("virtio-net tx limited to 10 ops/s: %.1f frames/s (host end %.1f)%n", limitB[0], limitB[1]);

                // PATCH again: tx unlimited (a zero bucket disables), rx limited to 15 frames/s
                vm.net().updateRateLimiters(Optional.of(ops(3, 200)), Optional.of(ops(0, 0)));
                Thread.sleep(1_000);
                long r0 = vm.net().metrics().rxFrames();
                long t0 = System.nanoTime();
                Thread.sleep(5_000);
                double rx = (vm.net().metrics().rxFrames() - r0) / ((System.nanoTime() - t0) / 1e9);
                System.out.printf("virtio-net rx limited to 15 ops/s: %.1f frames/s%n", rx);

                // PATCH: rx unlimited, tx limited in bytes: 2 750 B/s charged (frame + 12-byte header), ~25 echo replies/s
                vm.net().updateRateLimiters(Optional.of(ops(0, 0)), Optional.of(new RateLimiterConfig(
                        Optional.of(new TokenBucketConfig(275, 0, 100)), Optional.of(new TokenBucketConfig(0, 0, 0)))));
                Thread.sleep(1_000);
                NetMetrics.Snapshot b0 = vm.net().metrics().snapshot();
                long bt0 = System.nanoTime();
                Thread.sleep(5_000);
                NetMetrics.Snapshot b1 = vm.net().metrics().snapshot();
                double bytesPerSec = ((b1.txBytes() - b0.txBytes()) + 12.0 * (b1.txFrames() - b0.txFrames()))
                        / ((System.nanoTime() - bt0) / 1e9);
                System.out.printf("virtio-net tx limited to 2750 B/s: %.0f B/s charged%n", bytesPerSec);

                NetMetrics.Snapshot m = vm.net().metrics().snapshot();
                System.out.println("virtio-net rate-limit run: " + m);
                assertTrue(free[0] > 30, () -> "the guest must out-run the 25/s limit for the test to mean anything: " + free[0]);
                assertTrue(Math.abs(limitA[0] - 25) <= 2.5, () -> "25 ops/s limit: measured " + limitA[0]);
                assertTrue(Math.abs(limitA[1] - 25) <= 2.5, () -> "25 ops/s limit, host end: measured " + limitA[1]);
                assertTrue(Math.abs(limitB[0] - 10) <= 1, () -> "10 ops/s limit after PATCH: measured " + limitB[0]);
                assertTrue(Math.abs(rx - 15) <= 1.5, () -> "15 ops/s rx limit: measured " + rx);
                assertTrue(Math.abs(bytesPerSec - 2750) <= 275, () -> "2750 B/s tx bandwidth limit: measured " + bytesPerSec);
                assertTrue(m.txThrottled() > 0 && m.rxThrottled() > 0, m::toString);
            } finally {
                if (flood != null) flood.destroyForcibly();
                vm.stop();
            }
        }
    }

    private static RateLimiterConfig ops(long size, long refillMs) {
        return new RateLimiterConfig(Optional.empty(), Optional.of(new TokenBucketConfig(size, 0, refillMs)));
    }

    @Test
    void deletingTheTapUnderARunningGuestIsCountedAndNeitherFatalNorABusyLoop() throws Exception {
        String tap = TestNetns.randomName("fltn");
        try (TestNetns ns = TestNetns.create()) {
            Running vm = start("console=ttyS0 probe.run=netserve,net probe.net.serve_ms=4000 probe.hold"
                    + " probe.net.ip=" + ns.guestIp() + " probe.net.peer=" + ns.hostIp(), nic(tap, ns, Optional.empty()));
            try {
                ns.adopt(tap);
                awaitLine(vm.console(), "probe: netserve: serving", 30);
                String ping = output(ns.exec("busybox", "ping", "-c", "1", "-W", "2", ns.guestIp()), 30);
                assertTrue(ping.contains("1 packets received"), ping);

                Thread worker = Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().equals("virtio-" + vm.id() + "-net-eth0"))
                        .findFirst().orElseThrow();
                java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
                long cpu0 = mx.getThreadCpuTime(worker.getId());

                TestNetns.run("ip", "-n", ns.name, "link", "del", tap);
                Thread.sleep(1_000);     // netserve still runs: the device is active, its TAP gone
                long cpuMs = (mx.getThreadCpuTime(worker.getId()) - cpu0) / 1_000_000;
                assertTrue(worker.isAlive(), "still serving netserve");
                assertTrue(cpuMs < 100, "the worker retries a dead TAP calmly: " + cpuMs + " ms CPU in 1 s");
                assertTrue(vm.net().metrics().tapReadErrors() >= 1, () -> vm.net().metrics().snapshot().toString());

                String net = awaitLine(vm.console(), "probe: run net ", 40);
                assertTrue(net.contains(" fail "), () -> "with its TAP gone the guest's pings go nowhere: " + net);
                awaitLine(vm.console(), "probe: holding", 10);
                NetMetrics.Snapshot m = vm.net().metrics().snapshot();
                assertTrue(m.tapWriteErrors() >= 3 && m.txDropped() == m.tapWriteErrors(), m::toString);

                TestProbe<VmInfo> info = bed.testKit().createTestProbe();
                vm.vm().tell(new MicroVm.GetInfo(info.getRef()));
                assertEquals(VmState.RUNNING, info.receiveMessage(Duration.ofSeconds(5)).state());
                System.out.println("virtio-net with its TAP deleted: " + vm.net().metrics().snapshot() + ", worker CPU "
                        + cpuMs + " ms/s");
            } finally {
                vm.stop();
            }
        }
    }

    @Test
    void aTapHeldByAnotherProcessRefusesTheStartAndSaysWhy() {
        String tap = TestNetns.randomName("fltn");
        try (dev.flotilla.kvm.net.Tap held = dev.flotilla.kvm.net.Tap.open(tap)) {
            String id = "net-it-" + ids.incrementAndGet();
            VmSpec spec = new VmSpec(id, new MachineConfig(1, 128, false, CpuTemplate.NONE, false, HugePages.NONE),
                    new BootSource(ProbeGuest.elf(), Optional.empty(), "console=ttyS0"),
                    new VmDevices(List.of(), List.of(new NetworkInterfaceConfig("eth0", tap, Optional.empty(),
                            Optional.empty(), Optional.empty())), Optional.empty(), Optional.empty(), Optional.empty()));
            ActorRef<MicroVm.Command> vm = bed.testKit().spawn(MicroVm.create(id, 1, 128,
                    hooks -> VmBuilder.build(bed.kvm(), spec, BootProtocol.AUTO, ConsoleSink.inMemory(), hooks)), id);
            TestProbe<StatusReply<VmInfo>> reply = bed.testKit().createTestProbe();
            vm.tell(new MicroVm.Start(reply.getRef()));
            StatusReply<VmInfo> r = reply.receiveMessage(Duration.ofSeconds(20));
            assertTrue(r.isError(), "a VM cannot take a TAP another process holds");
            String why = r.getError().getMessage();
            assertTrue(why.contains("TUNSETIFF(" + tap + ") failed: EBUSY") && why.contains("already attached"), why);
            assertTrue(TestNetns.run("ip", "link", "show", held.name()).contains(tap), "the holder keeps its TAP");
        }
    }
}
