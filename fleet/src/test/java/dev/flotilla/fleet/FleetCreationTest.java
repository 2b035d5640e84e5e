package dev.flotilla.fleet;

import static dev.flotilla.fleet.FleetHarness.refusal;
import static dev.flotilla.fleet.FleetHarness.vm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.pattern.StatusReply;
import dev.flotilla.fleet.FleetException.Kind;
import dev.flotilla.fleet.FleetProtocol.CreateAnswer;
import dev.flotilla.fleet.placement.OverCommit;
import dev.flotilla.fleet.store.StoredVm;
import dev.flotilla.vm.VmState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Creation is idempotent and every answer is honest: repeats, Idempotency-Keys, and starts slower than an answer. */
class FleetCreationTest {

    private static final ActorTestKit kit = ActorTestKit.create();
    private static final FleetSettings SETTINGS = FleetSettings.DEFAULT.withAdmission(1000, 1000).withOverCommit(OverCommit.NONE);

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        kit.shutdownTestKit();
    }

    private FleetHarness harness(FleetSettings settings) {
        return new FleetHarness(kit, dir.resolve("fleet.db"), settings, System::nanoTime);
    }

    private static List<StoredVm> stored(FleetHarness h) throws Exception {
        return h.store.loadAll().toCompletableFuture().get(10, TimeUnit.SECONDS).vms();
    }

    @Test
    void aRepeatedCreateWithTheSameIdAndBodyAnswersThatVmAndAnotherBodyConflicts() {
        try (FleetHarness h = harness(SETTINGS)) {
            h.addHost("h1", 4, 4096);
            StatusReply<CreateAnswer> first = h.create(vm("a"), true, Optional.empty());
            assertTrue(first.isSuccess(), first::toString);
            assertFalse(first.getValue().repeated());
            StatusReply<CreateAnswer> again = h.create(vm("a"), true, Optional.empty());
            assertTrue(again.isSuccess(), again::toString);
            assertTrue(again.getValue().repeated());
            assertEquals(first.getValue().vm().createdAt(), again.getValue().vm().createdAt());
            FleetException other = refusal(h.create(vm("a", 2, 128, RestartPolicy.NEVER, Map.of())));
            assertEquals(Kind.CONFLICT, other.kind());
            assertTrue(other.getMessage().contains("another configuration"), other.getMessage());
            assertEquals(1, h.launcher.spawnCount("a"), "one VM, booted once");
        }
    }

    @Test
    void aRepeatRightBehindTheFirstGetsTheSameVmOnceItIsDurable() {
        try (FleetHarness h = harness(SETTINGS)) {
            h.addHost("h1", 4, 4096);
            TestProbe<StatusReply<CreateAnswer>> first = kit.createTestProbe();
            TestProbe<StatusReply<CreateAnswer>> second = kit.createTestProbe();
            h.fleet.tell(new FleetProtocol.CreateVm(vm("twice"), first.getRef()));
            h.fleet.tell(new FleetProtocol.CreateVm(vm("twice"), second.getRef()));
            StatusReply<CreateAnswer> a = first.receiveMessage(FleetHarness.WAIT);
            StatusReply<CreateAnswer> b = second.receiveMessage(FleetHarness.WAIT);
            assertTrue(a.isSuccess() && b.isSuccess(), () -> a + " / " + b);
            assertFalse(a.getValue().repeated());
            assertTrue(b.getValue().repeated());
            assertEquals(1, h.launcher.spawnCount("twice"));
        }
    }

    @Test
    void aCreateUnderAnIdempotencyKeyRetriedMakesOneVmAndTheKeyWithAnotherBodyConflicts() throws Exception {
        try (FleetHarness h = harness(SETTINGS)) {
            h.addHost("h1", 4, 4096);
            // id-less bodies: the API makes up a new id for every attempt
            StatusReply<CreateAnswer> first = h.create(vm("vm-000000000001"), false, Optional.of("key-1"));
            assertTrue(first.isSuccess(), first::toString);
            StatusReply<CreateAnswer> retry = h.create(vm("vm-000000000002"), false, Optional.of("key-1"));
            assertTrue(retry.isSuccess(), retry::toString);
            assertTrue(retry.getValue().repeated());
            assertEquals("vm-000000000001", retry.getValue().vm().id());
            assertEquals(1, h.list(Optional.empty(), Map.of(), 0, 100).total());

            FleetException reused = refusal(h.create(vm("vm-000000000003", 2, 256, RestartPolicy.NEVER, Map.of()), false,
                    Optional.of("key-1")));
            assertEquals(Kind.CONFLICT, reused.kind());
            assertTrue(reused.getMessage().contains("Idempotency-Key 'key-1' was used for another request"), reused.getMessage());
            // the key with an explicit id that is not the VM's is another request too
            assertEquals(Kind.CONFLICT, refusal(h.create(vm("elsewhere"), true, Optional.of("key-1"))).kind());
            assertEquals(1, h.list(Optional.empty(), Map.of(), 0, 100).total());

            // a deleted VM frees its key
            assertTrue(h.delete("vm-000000000001").isSuccess());
            StatusReply<CreateAnswer> fresh = h.create(vm("vm-000000000004"), false, Optional.of("key-1"));
            assertFalse(fresh.getValue().repeated());
            assertEquals("vm-000000000004", fresh.getValue().vm().id());
            assertEquals(Optional.of("key-1"), stored(h).get(0).creation().orElseThrow().idempotencyKey());
            assertEquals(new dev.flotilla.fleet.store.DefinitionCodec().fingerprint(vm("any-id")),
                    stored(h).get(0).creation().orElseThrow().fingerprint(), "the stored fingerprint sets the id aside");
        }
    }

    @Test
    void anIdempotencyKeyIsRecognisedAfterTheFleetRestarts() {
        Path file = dir.resolve("keys.db");
        try (FleetHarness first = new FleetHarness(kit, file, SETTINGS, System::nanoTime)) {
            first.addHost("h1", 4, 4096);
            assertTrue(first.create(vm("vm-0000000000a1"), false, Optional.of("retry-me")).isSuccess());
        }
        try (FleetHarness second = new FleetHarness(kit, file, SETTINGS, System::nanoTime)) {
            second.addHost("h1", 4, 4096);
            second.awaitVm("vm-0000000000a1", v -> v.state() == VmState.RUNNING);
            StatusReply<CreateAnswer> retry = second.create(vm("vm-0000000000a2"), false, Optional.of("retry-me"));
            assertTrue(retry.getValue().repeated(), retry::toString);
            assertEquals("vm-0000000000a1", retry.getValue().vm().id());
            StatusReply<CreateAnswer> byId = second.create(vm("vm-0000000000a1"), true, Optional.empty());
            assertTrue(byId.getValue().repeated(), "the same id and body after a restart is the same creation");
            assertEquals(1, second.list(Optional.empty(), Map.of(), 0, 100).total());
        }
    }

    @Test
    void aStartSlowerThanTheAnswerIsAnsweredAsStartingNeverAsAnErrorAndTheVmRuns() throws Exception {
        try (FleetHarness h = harness(SETTINGS.withAnswerStartWithin(Duration.ofMillis(100)))) {
            h.addHost("h1", 4, 4096);
            CompletableFuture<Void> build = new CompletableFuture<>();
            h.launcher.startGates.put("slow", build);
            TestProbe<StatusReply<CreateAnswer>> client = kit.createTestProbe();
            h.fleet.tell(new FleetProtocol.CreateVm(vm("slow"), client.getRef()));
            StatusReply<CreateAnswer> answer = client.receiveMessage(FleetHarness.WAIT);
            assertTrue(answer.isSuccess(), () -> "a VM that is being created was answered " + answer);
            assertEquals(VmState.STARTING, answer.getValue().vm().state());
            assertTrue(stored(h).get(0).shouldRun(), "answered only once durable");
            // the client's retry (it gave up waiting) gets the same VM, still starting
            StatusReply<CreateAnswer> retry = h.create(vm("slow"), true, Optional.empty());
            assertTrue(retry.getValue().repeated());

            build.complete(null);
            h.awaitVm("slow", v -> v.state() == VmState.RUNNING);
            client.expectNoMessage(Duration.ofMillis(50));   // one answer per request, and it stays true
            assertEquals(1, h.launcher.spawnCount("slow"));
        }
    }
}
