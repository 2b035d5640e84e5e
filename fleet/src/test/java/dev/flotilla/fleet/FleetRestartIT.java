package dev.flotilla.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
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
import dev.flotilla.vm.VmState;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.VmDevices;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durable desired state on the real /dev/kvm: ten holding probe guests, the fleet's ActorSystem terminated
 * abruptly (nothing cleaned in the store), a new system on the same database file: exactly those ten run
 * again, each booted once. (kill -9 of a daemon process is the ops team's end-to-end test.)
 */
class FleetRestartIT {

    private static final int VMS = 10;
    private static final FleetSettings SETTINGS = FleetSettings.DEFAULT.withOverCommit(new OverCommit(64, 1.5));

    private static Kvm kvm;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() {
        ProbeGuest.assumeKvm();
        kvm = Kvm.open();
    }

    @AfterAll
    static void tearDown() {
        if (kvm != null) kvm.close();
    }

    private record Running(ActorTestKit kit, DesiredStateStore store, ActorRef<FleetProtocol.Command> fleet,
                           CountingLauncher launcher, FleetHarnessView view) {}

    private static Running start(String name, Path db) {
        ActorTestKit kit = ActorTestKit.create(name);
        DesiredStateStore store = DesiredStateStore.open(db);
        ActorRef<FleetProtocol.Command> fleet = kit.spawn(Fleet.create(SETTINGS, store), "fleet");
        CountingLauncher launcher = new CountingLauncher(new KvmVmLauncher(kvm, Optional.empty()));
        kit.spawn(HostAgent.create("local", HostResources.detect(), SETTINGS.overCommit(), launcher, fleet), "host-local");
        return new Running(kit, store, fleet, launcher, new FleetHarnessView(kit, fleet));
    }

    @Test
    void afterAnAbruptStopExactlyTheVmsThatShouldRunAreBootedAgain() {
        Path db = dir.resolve("fleet.db");
        Running first = start("FleetRestartIT-1", db);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < VMS; i++) {
            String id = "hold-" + i;
            ids.add(id);
            TestProbe<StatusReply<FleetProtocol.CreateAnswer>> p = first.kit().createTestProbe();
            first.fleet().tell(new FleetProtocol.CreateVm(new VmDefinition(id, MachineConfig.DEFAULT.withMemSizeMib(32),
                    Optional.of(ProbeGuest.boot("probe.hold")), VmDevices.NONE, Map.of(), RestartPolicy.NEVER), p.getRef()));
            StatusReply<FleetProtocol.CreateAnswer> r = p.receiveMessage(Duration.ofSeconds(60));
            assertTrue(r.isSuccess(), () -> "create " + id + ": " + r);
        }
        // one VM the user deleted and one that ended by itself must not come back
        TestProbe<StatusReply<FleetProtocol.CreateAnswer>> p = first.kit().createTestProbe();
        first.fleet().tell(new FleetProtocol.CreateVm(new VmDefinition("deleted", MachineConfig.DEFAULT.withMemSizeMib(32),
                Optional.of(ProbeGuest.boot("probe.hold")), VmDevices.NONE, Map.of(), RestartPolicy.ALWAYS), p.getRef()));
        assertTrue(p.receiveMessage(Duration.ofSeconds(60)).isSuccess());
        TestProbe<StatusReply<Done>> d = first.kit().createTestProbe();
        first.fleet().tell(new FleetProtocol.DeleteVm("deleted", d.getRef()));
        assertTrue(d.receiveMessage(Duration.ofSeconds(30)).isSuccess());
        first.fleet().tell(new FleetProtocol.CreateVm(new VmDefinition("resets", MachineConfig.DEFAULT.withMemSizeMib(32),
                Optional.of(ProbeGuest.boot("")), VmDevices.NONE, Map.of(), RestartPolicy.NEVER), p.getRef()));
        p.receiveMessage(Duration.ofSeconds(60));
        first.view().awaitVm("resets", v -> v.state() == VmState.STOPPED, Duration.ofSeconds(60));
        for (String id : ids) first.view().awaitVm(id, v -> v.state() == VmState.RUNNING && v.bootMs() > 0, Duration.ofSeconds(60));

        // abrupt: the system goes down with its VMs running; the store is not told anything (its file lock is
        // released as a dying process's would be)
        long t0 = System.nanoTime();
        first.kit().shutdownTestKit();
        first.store().close();

        Running second = start("FleetRestartIT-2", db);
        try {
            for (String id : ids) {
                VmView v = second.view().awaitVm(id, x -> x.state() == VmState.RUNNING && x.bootMs() > 0, Duration.ofSeconds(60));
                assertEquals(0, v.restarts());
            }
            long allBack = System.nanoTime();
            FleetProtocol.VmPage page = second.view().list(Map.of());
            List<String> running = page.items().stream().filter(v -> v.state() == VmState.RUNNING).map(VmView::id).toList();
            assertEquals(ids, running, "exactly the ten are running");
            assertEquals(List.of("resets"), page.items().stream().filter(v -> v.state() == VmState.STOPPED).map(VmView::id).toList());
            assertEquals(VMS + 1, page.total(), "the deleted VM is gone");
            for (String id : ids) assertEquals(1, second.launcher().spawnCount(id), id + " booted once");
            assertEquals(0, second.launcher().spawnCount("resets"));
            assertEquals(0, second.launcher().spawnCount("deleted"));
            assertEquals(VMS, second.view().hosts().get(0).vmCount());
            System.out.printf("restart IT: %d VMs running again %.0f ms after the first system was terminated%n",
                    VMS, (allBack - t0) / 1e6);
        } finally {
            second.kit().shutdownTestKit();
            second.store().close();
        }
    }
}
