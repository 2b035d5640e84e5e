package dev.flotilla.fleet;

import static dev.flotilla.fleet.FleetHarness.vm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import dev.flotilla.fleet.placement.OverCommit;
import dev.flotilla.fleet.restart.RestartSettings;
import dev.flotilla.fleet.store.StoredVm;
import dev.flotilla.vm.EndReason;
import dev.flotilla.vm.VmState;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a fleet on a reopened store knows: counts and dates kept, and starts that kept killing the daemon not retried. */
class FleetRecoveryTest {

    private static final ActorTestKit kit = ActorTestKit.create();
    private static final FleetSettings SETTINGS = FleetSettings.DEFAULT.withAdmission(1000, 1000).withOverCommit(OverCommit.NONE)
            .withRestart(new RestartSettings(Duration.ofMillis(20), Duration.ofMillis(100), 5, Duration.ofSeconds(30)));

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        kit.shutdownTestKit();
    }

    private static StoredVm row(FleetHarness h) throws Exception {
        return h.store.loadAll().toCompletableFuture().get(10, TimeUnit.SECONDS).vms().get(0);
    }

    @Test
    void restartCountsAndCreationTimeSurviveAReopenOfTheStore() {
        Path file = dir.resolve("fleet.db");
        Instant createdAt;
        try (FleetHarness first = new FleetHarness(kit, file, SETTINGS, System::nanoTime)) {
            first.addHost("h1", 4, 4096);
            createdAt = first.create(vm("r", 1, 128, RestartPolicy.ALWAYS, Map.of())).getValue().createdAt();
            first.launcher.crash("r");
            first.awaitVm("r", v -> v.restarts() == 1 && v.state() == VmState.RUNNING);
            first.launcher.crash("r");
            first.awaitVm("r", v -> v.restarts() == 2 && v.state() == VmState.RUNNING);
        }
        try (FleetHarness second = new FleetHarness(kit, file, SETTINGS, System::nanoTime)) {
            VmView v = second.get("r").orElseThrow();
            assertEquals(2, v.restarts());
            assertEquals(createdAt, v.createdAt());
            second.addHost("h1", 4, 4096);
            second.awaitVm("r", x -> x.state() == VmState.RUNNING);
        }
    }

    @Test
    void aVmWhoseStartKeepsTakingTheDaemonDownIsRecordedFailedAfterTheLimit() throws Exception {
        Path file = dir.resolve("crashing.db");
        FleetSettings settings = SETTINGS.withMaxInterruptedStarts(2);
        // each "daemon" dies while the VM is still being built: its start never settles
        for (int daemon = 1; daemon <= 2; daemon++) {
            try (FleetHarness h = new FleetHarness(kit, file, settings, System::nanoTime)) {
                h.launcher.startGates.put("doomed", new CompletableFuture<>());
                h.addHost("h1", 4, 4096);
                if (daemon == 1) {
                    akka.actor.testkit.typed.javadsl.TestProbe<akka.pattern.StatusReply<FleetProtocol.CreateAnswer>> client =
                            kit.createTestProbe();
                    h.fleet.tell(new FleetProtocol.CreateVm(vm("doomed"), client.getRef()));
                }
                h.awaitVm("doomed", v -> v.state() == VmState.STARTING && h.launcher.spawnCount("doomed") == 1);
                assertEquals(daemon, row(h).interruptedStarts());
            }
        }
        try (FleetHarness third = new FleetHarness(kit, file, settings, System::nanoTime)) {
            third.addHost("h1", 4, 4096);
            VmView v = third.awaitVm("doomed", x -> x.state() == VmState.FAILED);
            EndReason why = v.endReason().orElseThrow();
            assertTrue(why.detail().contains("the daemon died during each of its last 2 starts"), why::toString);
            assertEquals(0, third.launcher.spawnCount("doomed"), "not started a third time");
            StoredVm stored = row(third);
            assertFalse(stored.shouldRun());
            assertEquals(why.detail(), stored.failure().orElseThrow());
        }
        try (FleetHarness fourth = new FleetHarness(kit, file, settings, System::nanoTime)) {
            fourth.addHost("h1", 4, 4096);
            VmView v = fourth.get("doomed").orElseThrow();
            assertEquals(VmState.FAILED, v.state(), "the user still sees why");
            assertTrue(v.endReason().orElseThrow().detail().contains("daemon died"));
            assertEquals(0, fourth.launcher.spawnCount("doomed"));
        }
    }

    @Test
    void aStartThatSettlesClearsTheCount() throws Exception {
        Path file = dir.resolve("settles.db");
        try (FleetHarness h = new FleetHarness(kit, file, SETTINGS.withMaxInterruptedStarts(1), System::nanoTime)) {
            h.addHost("h1", 4, 4096);
            assertTrue(h.create(vm("fine")).isSuccess());
            h.awaitVm("fine", v -> v.state() == VmState.RUNNING);
            awaitStored(h, s -> s.interruptedStarts() == 0);
        }
        try (FleetHarness again = new FleetHarness(kit, file, SETTINGS.withMaxInterruptedStarts(1), System::nanoTime)) {
            again.addHost("h1", 4, 4096);
            again.awaitVm("fine", v -> v.state() == VmState.RUNNING);
        }
    }

    /** Polls the store until its row matches (the settle is written asynchronously). */
    private static void awaitStored(FleetHarness h, java.util.function.Predicate<StoredVm> check) {
        kit.createTestProbe().awaitAssert(FleetHarness.WAIT, () -> {
            StoredVm s = row(h);
            if (!check.test(s)) throw new AssertionError("stored: " + s);
            return null;
        });
    }
}
