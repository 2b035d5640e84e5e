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

    /** What a bucket that starts full lets through in {@code elapsedNanos}: itself plus one refill per period begun. */
    private static long bucketAllows(long size, long refillMs, long elapsedNanos) {
        long period = TimeUnit.MILLISECONDS.toNanos(refillMs);
        return size * (1 + (elapsedNanos + period - 1) / period);
    }

    /** Waits until {@code counter} passes {@code from}: the limit has bitten. */
    private static void awaitBeyond(String what, java.util.function.LongSupplier counter, long from) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (counter.getAsLong() <= from) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.onSpinWait();
        }
    }

    /**
     * Each limit, set live by a PATCH, throttles the direction it names (its throttled counter moves) and
     * lets through no more than the bucket allows by its own accounting over the time it was in force. No
     * wall-clock rate is asserted: a slow machine only sends less. (Frame rates: `flotilla bench devices`.)
     */
    @Test
    void rateLimitsThrottleWhatTheyNameAndCanBeChangedLive() throws Exception {
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
                NetMetrics m = vm.net().metrics();

                // tx: 5 frames per 200 ms, then 2 per 200 ms. A frame the worker took from the old bucket
                // just before the PATCH may be counted after it: one frame of slack.
                for (long size : new long[] {5, 2}) {
                    long t0 = System.nanoTime();
                    vm.net().updateRateLimiters(Optional.empty(), Optional.of(ops(size, 200)));
                    long f0 = m.txFrames();
                    long throttled0 = m.txThrottled();
                    awaitBeyond("tx limited to " + size + "/200 ms never throttled", m::txThrottled, throttled0 + 3);
                    long sent = m.txFrames() - f0;
                    long allowed = bucketAllows(size, 200, System.nanoTime() - t0) + 1;
                    System.out.printf("virtio-net tx limited to %d frames/200 ms: %d frames sent, the bucket allows %d%n",
                            size, sent, allowed);
                    assertTrue(sent <= allowed, sent + " frames through a bucket that allows " + allowed);
                }

                // rx: 3 frames per 200 ms; tx unlimited again (a zero bucket disables)
                long t0 = System.nanoTime();
                vm.net().updateRateLimiters(Optional.of(ops(3, 200)), Optional.of(ops(0, 0)));
                long r0 = m.rxFrames();
                awaitBeyond("rx limited to 3/200 ms never throttled", m::rxThrottled, m.rxThrottled() + 3);
                long received = m.rxFrames() - r0;
                long rxAllowed = bucketAllows(3, 200, System.nanoTime() - t0) + 1;
                System.out.printf("virtio-net rx limited to 3 frames/200 ms: %d frames, the bucket allows %d%n", received, rxAllowed);
                assertTrue(received <= rxAllowed, received + " frames through a bucket that allows " + rxAllowed);
                assertTrue(vm.net().txLimiter().isUnlimited());

                // tx in bytes: 275 B per 100 ms charged as frame + 12-byte header; rx unlimited
                t0 = System.nanoTime();
                vm.net().updateRateLimiters(Optional.of(ops(0, 0)), Optional.of(new RateLimiterConfig(
                        Optional.of(new TokenBucketConfig(275, 0, 100)), Optional.of(new TokenBucketConfig(0, 0, 0)))));
                NetMetrics.Snapshot b0 = m.snapshot();
                awaitBeyond("tx limited to 275 B/100 ms never throttled", m::txThrottled, b0.txThrottled() + 3);
                NetMetrics.Snapshot b1 = m.snapshot();
                long charged = (b1.txBytes() - b0.txBytes()) + 12L * (b1.txFrames() - b0.txFrames());
                long bytesAllowed = bucketAllows(275, 100, System.nanoTime() - t0) + 12 + 1514;
                System.out.printf("virtio-net tx limited to 275 B/100 ms: %d B charged, the bucket allows %d%n", charged, bytesAllowed);
                assertTrue(charged <= bytesAllowed, charged + " bytes through a bucket that allows " + bytesAllowed);
                assertTrue(vm.net().rxLimiter().isUnlimited());
                System.out.println("virtio-net rate-limit run: " + m.snapshot());
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

                TestNetns.run("ip", "-n", ns.name, "link", "del", tap);
                // netserve still runs: the device is active, its TAP gone. Counted, and unregistered from
                // epoll (a dead TAP left registered reports EPOLLERR at every wait: a busy loop).
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!(vm.net().metrics().tapReadErrors() >= 1 && !vm.net().watchingBackend())) {
                    assertTrue(System.nanoTime() < deadline, () -> "the dead TAP is still watched: " + vm.net().metrics().snapshot());
                    Thread.onSpinWait();
                }
                assertTrue(Thread.getAllStackTraces().keySet().stream()
                        .anyMatch(t -> t.getName().equals("virtio-" + vm.id() + "-net-eth0")), "still serving netserve");

                String net = awaitLine(vm.console(), "probe: run net ", 40);
                assertTrue(net.contains(" fail "), () -> "with its TAP gone the guest's pings go nowhere: " + net);
                awaitLine(vm.console(), "probe: holding", 10);
                NetMetrics.Snapshot m = vm.net().metrics().snapshot();
                assertTrue(m.tapWriteErrors() >= 3 && m.txDropped() == m.tapWriteErrors(), m::toString);

                TestProbe<VmInfo> info = bed.testKit().createTestProbe();
                vm.vm().tell(new MicroVm.GetInfo(info.getRef()));
                assertEquals(VmState.RUNNING, info.receiveMessage(Duration.ofSeconds(5)).state());
                System.out.println("virtio-net with its TAP deleted: " + vm.net().metrics().snapshot());
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
