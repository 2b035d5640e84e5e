package dev.flotilla.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.pattern.StatusReply;
import dev.flotilla.fleet.host.HostAgent;
import dev.flotilla.fleet.host.HostResources;
import dev.flotilla.fleet.host.KvmVmLauncher;
import dev.flotilla.fleet.placement.OverCommit;
import dev.flotilla.fleet.store.DesiredStateStore;
import dev.flotilla.kvm.Kvm;
import dev.flotilla.vm.EndReason;
import dev.flotilla.vm.VmState;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.VmDevices;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A burst of CreateVm over the admission limit on the real /dev/kvm: every request is answered (running
 * VM or RATE_LIMITED with a Retry-After), every admitted probe guest boots, and the registry agrees.
 */
class FleetBurstIT {

    private static final int REQUESTS = 100;
    private static final double RATE = 50;
    private static final int BURST = 50;

    private static Kvm kvm;
    private static ActorTestKit kit;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() {
        ProbeGuest.assumeKvm();
        kvm = Kvm.open();
        kit = ActorTestKit.create("FleetBurstIT");
    }

    @AfterAll
    static void tearDown() {
        if (kit != null) kit.shutdownTestKit();
        if (kvm != null) kvm.close();
    }

    @Test
    void aBurstOverTheLimitIsAnsweredAndEveryAdmittedVmBoots() {
        FleetSettings settings = FleetSettings.DEFAULT.withAdmission(RATE, BURST).withOverCommit(new OverCommit(128, 1.5));
        try (DesiredStateStore store = DesiredStateStore.open(dir.resolve("fleet.db"))) {
            ActorRef<FleetProtocol.Command> fleet = kit.spawn(Fleet.create(settings, store), "fleet");
            CountingLauncher launcher = new CountingLauncher(new KvmVmLauncher(kvm, Optional.empty()));
            kit.spawn(HostAgent.create("local", HostResources.detect(), settings.overCommit(), launcher, fleet), "host-local");
            // the host joins asynchronously: burst only once the fleet knows it, or the first requests see no host
            TestProbe<List<HostView>> hosts = kit.createTestProbe();
            hosts.awaitAssert(Duration.ofSeconds(10), () -> {
                fleet.tell(new FleetProtocol.GetHosts(hosts.getRef()));
                assertEquals(1, hosts.receiveMessage(Duration.ofSeconds(2)).size());
                return null;
            });

            TestProbe<StatusReply<FleetProtocol.CreateAnswer>> replies = kit.createTestProbe();
            Map<ActorRef<StatusReply<FleetProtocol.CreateAnswer>>, String> idOf = new HashMap<>();
            List<TestProbe<StatusReply<FleetProtocol.CreateAnswer>>> probes = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < REQUESTS; i++) {
                TestProbe<StatusReply<FleetProtocol.CreateAnswer>> p = kit.createTestProbe();
                probes.add(p);
                String id = String.format("burst-%03d", i);
                idOf.put(p.getRef(), id);
                VmDefinition d = new VmDefinition(id, MachineConfig.DEFAULT.withMemSizeMib(32),
                        Optional.of(ProbeGuest.boot("")), VmDevices.NONE, Map.of("it", "burst"), RestartPolicy.NEVER);
                fleet.tell(new FleetProtocol.CreateVm(d, p.getRef()));
            }
            List<String> admitted = new ArrayList<>();
            int refused = 0;
            long lastRefusalNanos = 0;
            for (TestProbe<StatusReply<FleetProtocol.CreateAnswer>> p : probes) {
                StatusReply<FleetProtocol.CreateAnswer> r = p.receiveMessage(Duration.ofSeconds(120));
                String id = idOf.get(p.getRef());
                if (r.isSuccess()) {
                    assertEquals(id, r.getValue().vm().id());
                    assertTrue(r.getValue().vm().state() == VmState.RUNNING || r.getValue().vm().state() == VmState.STARTING
                            || r.getValue().vm().state().terminal(), r.getValue()::toString);
                    admitted.add(id);
                } else {
                    FleetException e = (FleetException) r.getError();
                    assertEquals(FleetException.Kind.RATE_LIMITED, e.kind(), e::getMessage);
                    assertTrue(e.retryAfter().compareTo(Duration.ZERO) > 0 && e.retryAfter().compareTo(Duration.ofSeconds(1)) <= 0,
                            "Retry-After " + e.retryAfter());
                    refused++;
                    lastRefusalNanos = Math.max(lastRefusalNanos, System.nanoTime());
                }
            }
            long allRunning = System.nanoTime();
            assertEquals(REQUESTS, admitted.size() + refused, "every request answered");
            // The bucket's own accounting, not a wall-clock rate: full (BURST) when the burst began, plus what
            // RATE refills by the last answer. A slow machine only admits more within that bound.
            long allowed = BURST + (long) Math.ceil(RATE * (allRunning - t0) / 1e9);
            assertTrue(admitted.size() >= BURST && admitted.size() <= allowed,
                    "admitted " + admitted.size() + ", the bucket allows " + BURST + " to " + allowed);

            // every admitted VM boots (boot-timer written), then the probe resets by itself
            FleetHarnessView view = new FleetHarnessView(kit, fleet);
            for (String id : admitted) {
                VmView v = view.awaitVm(id, x -> x.bootMs() > 0 && x.state().terminal(), Duration.ofSeconds(120));
                assertEquals(EndReason.Kind.RESET, v.endReason().orElseThrow().kind(), v::toString);
                assertEquals(1, launcher.spawnCount(id));
            }
            long allBooted = System.nanoTime();
            FleetProtocol.VmPage page = view.list(Map.of("it", "burst"));
            assertEquals(admitted, page.items().stream().map(VmView::id).toList(), "the registry holds exactly the admitted VMs");
            assertEquals(0, view.hosts().get(0).vcpusAllocated(), "ended VMs released their room");
            double bootMsMean = page.items().stream().mapToDouble(VmView::bootMs).average().orElse(0);
            System.out.printf("burst IT: %d requests, %d admitted, %d refused (429); admitted VMs running after %.0f ms "
                            + "(%.1f VMs/s), all booted and ended after %.0f ms; mean boot %.1f ms; store %s%n",
                    REQUESTS, admitted.size(), refused, (allRunning - t0) / 1e6, admitted.size() / ((allRunning - t0) / 1e9),
                    (allBooted - t0) / 1e6, bootMsMean, store.stats());
        }
    }
}
