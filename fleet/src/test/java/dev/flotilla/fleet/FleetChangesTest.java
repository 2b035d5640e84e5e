package dev.flotilla.fleet;

import static dev.flotilla.fleet.FleetHarness.vm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.pattern.StatusReply;
import dev.flotilla.fleet.placement.OverCommit;
import dev.flotilla.vm.config.DriveConfig;
import dev.flotilla.vm.config.RateLimiterConfig;
import dev.flotilla.vm.config.TokenBucketConfig;
import dev.flotilla.vm.config.VmDevices;
import dev.flotilla.vm.devices.DeviceUpdate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Concurrent configuration changes of one VM: each is built on the last, so the stored definition is what runs. */
class FleetChangesTest {

    private static final ActorTestKit kit = ActorTestKit.create();
    private static final FleetSettings SETTINGS = FleetSettings.DEFAULT.withAdmission(1000, 1000).withOverCommit(OverCommit.NONE);

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        kit.shutdownTestKit();
    }

    private static DriveConfig drive(String id, long opsPerSecond) {
        Optional<RateLimiterConfig> limiter = opsPerSecond == 0 ? Optional.empty()
                : Optional.of(new RateLimiterConfig(Optional.empty(), Optional.of(new TokenBucketConfig(opsPerSecond, 0, 1000))));
        return new DriveConfig(id, Path.of("/fake/" + id + ".img"), false, false, Optional.empty(), limiter);
    }

    /** Lets the device answer whatever it holds until {@code p} has its reply (polling, with a deadline). */
    private static StatusReply<VmView> answerHeldUpdatesUntilReplied(FleetHarness h, TestProbe<StatusReply<VmView>> p) {
        List<StatusReply<VmView>> got = new ArrayList<>();
        p.awaitAssert(FleetHarness.WAIT, () -> {
            ActorRef<StatusReply<Done>> held;
            while ((held = h.launcher.heldDeviceUpdates.poll()) != null) held.tell(StatusReply.ack());
            got.add(p.receiveMessage(Duration.ofMillis(20)));
            return null;
        });
        return got.get(0);
    }

    @Test
    void twoConcurrentPatchesOfOneVmBothReachTheDeviceAndTheStore() throws Exception {
        try (FleetHarness h = new FleetHarness(kit, dir.resolve("fleet.db"), SETTINGS, System::nanoTime)) {
            h.addHost("h1", 4, 4096);
            VmDefinition d = vm("two").withDevices(new VmDevices(List.of(drive("a", 0), drive("b", 0)), List.of(),
                    Optional.empty(), Optional.empty(), Optional.empty()));
            assertTrue(h.create(d).isSuccess());
            // the device answers only when the test lets it: both PATCHes are live at once
            h.launcher.holdDeviceUpdates = true;
            TestProbe<StatusReply<VmView>> first = kit.createTestProbe();
            TestProbe<StatusReply<VmView>> second = kit.createTestProbe();
            h.fleet.tell(new FleetProtocol.Configure("two", new ConfigChange.PatchDrive(drive("a", 100)), first.getRef()));
            h.fleet.tell(new FleetProtocol.Configure("two", new ConfigChange.PatchDrive(drive("b", 200)), second.getRef()));
            StatusReply<VmView> a = answerHeldUpdatesUntilReplied(h, first);
            StatusReply<VmView> b = answerHeldUpdatesUntilReplied(h, second);
            assertTrue(a.isSuccess() && b.isSuccess(), () -> a + " / " + b);

            List<DriveConfig> expected = List.of(drive("a", 100), drive("b", 200));
            assertEquals(expected, h.get("two").orElseThrow().definition().devices().drives(), "what the fleet holds");
            assertEquals(expected, h.store.loadAll().toCompletableFuture().get(10, TimeUnit.SECONDS).vms().get(0)
                    .definition().devices().drives(), "what is stored");
            // what runs: the device took both updates, each once
            List<String> updated = h.launcher.deviceUpdates.stream()
                    .map(u -> ((DeviceUpdate.Drive) u.update()).drive().driveId()).sorted().toList();
            assertEquals(List.of("a", "b"), updated);
        }
    }

    @Test
    void changesWaitingBehindOneInFlightAreBoundedAndAnsweredWhenTheVmIsDeleted() throws Exception {
        try (FleetHarness h = new FleetHarness(kit, dir.resolve("queue.db"), SETTINGS, System::nanoTime)) {
            h.addHost("h1", 4, 4096);
            VmDefinition d = vm("busy").withDevices(new VmDevices(List.of(drive("a", 0)), List.of(),
                    Optional.empty(), Optional.empty(), Optional.empty()));
            assertTrue(h.create(d).isSuccess());
            h.launcher.holdDeviceUpdates = true;
            TestProbe<StatusReply<VmView>> waiting = kit.createTestProbe();
            for (int i = 0; i <= VmReconfiguration.MAX_QUEUED_CHANGES; i++) {   // one in flight, the rest queued
                h.fleet.tell(new FleetProtocol.Configure("busy", new ConfigChange.PatchDrive(drive("a", 10 + i)), waiting.getRef()));
            }
            FleetException full = FleetHarness.refusal(h.configure("busy", new ConfigChange.PatchDrive(drive("a", 1))));
            assertEquals(FleetException.Kind.RATE_LIMITED, full.kind());
            assertTrue(full.getMessage().contains("configuration changes waiting"), full.getMessage());
            // the fleet answered the refusal; the first change reaches the VM's actor on its own thread
            long deadline = System.nanoTime() + FleetHarness.WAIT.toNanos();
            while (h.launcher.deviceUpdates.isEmpty() && System.nanoTime() < deadline) java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            assertEquals(1, h.launcher.deviceUpdates.size(), "one change at a time reaches the device");

            TestProbe<StatusReply<Done>> deleted = kit.createTestProbe();
            h.fleet.tell(new FleetProtocol.DeleteVm("busy", deleted.getRef()));
            for (int i = 0; i < VmReconfiguration.MAX_QUEUED_CHANGES; i++) {
                FleetException gone = FleetHarness.refusal(waiting.receiveMessage(FleetHarness.WAIT));
                assertEquals(FleetException.Kind.CONFLICT, gone.kind(), gone::getMessage);
            }
            ActorRef<StatusReply<Done>> held;
            while ((held = h.launcher.heldDeviceUpdates.poll()) != null) held.tell(StatusReply.ack());
            FleetException late = FleetHarness.refusal(waiting.receiveMessage(FleetHarness.WAIT));
            // the one in flight is answered too (being deleted, or deleted already), and not saved
            assertTrue(late.kind() == FleetException.Kind.CONFLICT || late.kind() == FleetException.Kind.NOT_FOUND, late::getMessage);
            assertTrue(deleted.receiveMessage(FleetHarness.WAIT).isSuccess());
            assertTrue(h.store.loadAll().toCompletableFuture().get(10, TimeUnit.SECONDS).vms().isEmpty(),
                    "no change of a deleted VM writes its row back");
        }
    }
}
