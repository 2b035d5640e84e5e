package dev.flotilla.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.FishingOutcomes;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.pattern.StatusReply;
import dev.flotilla.vm.vcpu.VcpuState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Each phase of {@link MicroVm} without /dev/kvm: the VM is a {@link ScriptedVm} whose vCPUs keep the run
 * loop's contract on threads of their own, so the actor sees the same reports, in the same order and as
 * asynchronously as from real vCPUs. A vCPU can be held, so that requests are in flight in a known order.
 */
class MicroVmTest {

    private static final Duration ANSWER = Duration.ofSeconds(10);
    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final AtomicInteger ids = new AtomicInteger();

    @AfterAll
    static void shutdownTestKit() {
        testKit.shutdownTestKit();
    }

    /** Makes a Pause, Resume, Start or Stop that answers to {@code replyTo}. */
    private interface Request extends java.util.function.Function<ActorRef<StatusReply<VmInfo>>, MicroVm.Command> {}

    /** A spawned MicroVm, its scripted VM (built at Start) and the hooks its devices would call. */
    private record Vm(ActorRef<MicroVm.Command> ref, ScriptedVm built, AtomicReference<VmHooks> hooks) {

        StatusReply<VmInfo> ask(Request message) {
            TestProbe<StatusReply<VmInfo>> probe = send(message);
            return probe.receiveMessage(ANSWER);
        }

        TestProbe<StatusReply<VmInfo>> send(Request message) {
            TestProbe<StatusReply<VmInfo>> probe = testKit.createTestProbe();
            ref.tell(message.apply(probe.getRef()));
            return probe;
        }

        VmInfo info() {
            TestProbe<VmInfo> probe = testKit.createTestProbe();
            ref.tell(new MicroVm.GetInfo(probe.getRef()));
            return probe.receiveMessage(ANSWER);
        }

        VmInfo awaitEnd() {
            TestProbe<VmInfo> events = testKit.createTestProbe();
            ref.tell(new MicroVm.Subscribe(events.getRef()));
            return events.fishForMessage(ANSWER, i -> i.ended() ? FishingOutcomes.complete()
                    : FishingOutcomes.continueAndIgnore()).get(0);
        }

        /** What was wrong about the release (fails if there was none within the answer time). */
        List<String> release() throws Exception {
            return built.released.get(ANSWER.toSeconds(), TimeUnit.SECONDS);
        }
    }

    private static Vm spawn(int vcpus, CompletableFuture<?> buildGate) {
        ScriptedVm built = new ScriptedVm(vcpus);
        AtomicReference<VmHooks> hooks = new AtomicReference<>();
        String id = "unit-" + ids.incrementAndGet();
        ActorRef<MicroVm.Command> ref = testKit.spawn(MicroVm.create(id, vcpus, 128, h -> {
            hooks.set(h);
            if (buildGate != null) buildGate.join();
            return built;
        }), id);
        return new Vm(ref, built, hooks);
    }

    private static Vm started(int vcpus) {
        Vm vm = spawn(vcpus, null);
        StatusReply<VmInfo> start = vm.ask(MicroVm.Start::new);
        assertTrue(start.isSuccess(), () -> "start: " + start.getError());
        return vm;
    }

    private static MicroVm.Stop stop(ActorRef<StatusReply<VmInfo>> replyTo) {
        return new MicroVm.Stop(EndReason.of(EndReason.Kind.STOPPED, "test"), replyTo);
    }

    private static void assertState(VmState state, StatusReply<VmInfo> reply) {
        assertTrue(reply.isSuccess(), () -> "expected " + state + ", was refused: " + reply.getError().getMessage());
        assertEquals(state, reply.getValue().state());
    }

    private static void assertRefused(String why, StatusReply<?> reply) {
        assertFalse(reply.isSuccess(), () -> "accepted: " + reply.getValue());
        assertTrue(reply.getError().getMessage().contains(why), reply.getError().getMessage());
    }

    private static void assertStoppedAndReleased(Vm vm, StatusReply<VmInfo> stop) throws Exception {
        assertState(VmState.STOPPED, stop);
        assertEquals(EndReason.Kind.STOPPED, stop.getValue().endReason().kind());
        assertEquals(List.of(), vm.release());
        vm.built.vcpus.forEach(v -> assertTrue(v.exited()));
    }

    // ---- the phases one at a time ----------------------------------------------------------------

    @Test
    void startAnswersRunningWithEveryVcpuRunning() {
        Vm vm = started(2);
        assertEquals(VmState.RUNNING, vm.info().state());
        assertEquals(2, vm.built.vcpus.size());
        vm.built.vcpus.forEach(v -> assertEquals(VcpuState.Phase.RUNNING, v.phase()));
    }

    @Test
    void pauseAnswersPausedOnlyOnceEveryVcpuHasParked() {
        Vm vm = started(2);
        vm.built.vcpus.get(1).hold();
        TestProbe<StatusReply<VmInfo>> pause = vm.send(MicroVm.Pause::new);
        // vCPU 1 cannot have answered: the VM does not claim to be paused
        assertEquals(VmState.RUNNING, vm.info().state());
        vm.built.vcpus.get(1).release();
        assertState(VmState.PAUSED, pause.receiveMessage(ANSWER));
        vm.built.vcpus.forEach(v -> assertEquals(VcpuState.Phase.PAUSED, v.phase()));
        assertState(VmState.PAUSED, vm.ask(MicroVm.Pause::new));   // already paused: answered at once
    }

    @Test
    void resumeAnswersRunningOnceEveryVcpuRunsAgain() {
        Vm vm = started(2);
        assertState(VmState.PAUSED, vm.ask(MicroVm.Pause::new));
        assertState(VmState.RUNNING, vm.ask(MicroVm.Resume::new));
        vm.built.vcpus.forEach(v -> assertEquals(VcpuState.Phase.RUNNING, v.phase()));
        assertState(VmState.RUNNING, vm.ask(MicroVm.Resume::new));   // already running: answered at once
    }

    // ---- stop from each phase --------------------------------------------------------------------

    @Test
    void stopBeforeStartEndsTheVmWithoutBuildingIt() {
        Vm vm = spawn(1, null);
        StatusReply<VmInfo> stop = vm.ask(MicroVmTest::stop);
        assertState(VmState.STOPPED, stop);
        assertEquals(null, vm.hooks.get(), "built anyway");
        assertRefused("stopped", vm.ask(MicroVm.Start::new));
    }

    @Test
    void stopWhileStartingRefusesTheStartAndReleasesTheBuiltVm() throws Exception {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        Vm vm = spawn(1, gate);
        TestProbe<StatusReply<VmInfo>> start = vm.send(MicroVm.Start::new);
        TestProbe<StatusReply<VmInfo>> stop = vm.send(MicroVmTest::stop);
        gate.complete(null);   // the build finishes only now, with the Stop already in the mailbox
        assertRefused("stopped while starting", start.receiveMessage(ANSWER));
        assertStoppedAndReleased(vm, stop.receiveMessage(ANSWER));
        assertTrue(vm.built.vcpus.isEmpty(), "vCPUs were started for a VM stopped while starting");
    }

    @Test
    void stopWhileRunningStopsEveryVcpuThenReleases() throws Exception {
        Vm vm = started(2);
        assertStoppedAndReleased(vm, vm.ask(MicroVmTest::stop));
    }

    @Test
    void stopWhilePausedStopsEveryVcpuThenReleases() throws Exception {
        Vm vm = started(2);
        assertState(VmState.PAUSED, vm.ask(MicroVm.Pause::new));
        assertStoppedAndReleased(vm, vm.ask(MicroVmTest::stop));
    }

    @Test
    void stopDuringAPauseAnswersThePauseAsStoppingAndEndsTheVm() throws Exception {
        Vm vm = started(2);
        vm.built.holdAll();
        TestProbe<StatusReply<VmInfo>> pause = vm.send(MicroVm.Pause::new);
        TestProbe<StatusReply<VmInfo>> stop = vm.send(MicroVmTest::stop);
        vm.built.releaseAll();
        assertRefused("stopping", pause.receiveMessage(ANSWER));
        assertStoppedAndReleased(vm, stop.receiveMessage(ANSWER));
    }

    @Test
    void stopAfterTheEndIsAnsweredWithTheEnd() throws Exception {
        Vm vm = started(1);
        assertStoppedAndReleased(vm, vm.ask(MicroVmTest::stop));
        assertState(VmState.STOPPED, vm.ask(MicroVmTest::stop));
    }

    // ---- Pause and Resume racing: the last request wins, every answer is true ------------------------

    @Test
    void aResumeSentWhileAPauseIsInFlightWinsAndThePauseIsToldItWasSuperseded() {
        Vm vm = started(2);
        vm.built.holdAll();   // the vCPUs take both requests only after both have reached them
        TestProbe<StatusReply<VmInfo>> pause = vm.send(MicroVm.Pause::new);
        TestProbe<StatusReply<VmInfo>> resume = vm.send(MicroVm.Resume::new);
        vm.built.releaseAll();

        assertState(VmState.RUNNING, resume.receiveMessage(ANSWER));
        assertRefused("superseded by a later Resume", pause.receiveMessage(ANSWER));
        assertEquals(VmState.RUNNING, vm.info().state());
        vm.built.vcpus.forEach(v -> assertEquals(VcpuState.Phase.RUNNING, v.phase()));
    }

    @Test
    void aPauseSentWhileAResumeIsInFlightWinsAndTheResumeIsToldItWasSuperseded() {
        Vm vm = started(2);
        assertState(VmState.PAUSED, vm.ask(MicroVm.Pause::new));
        vm.built.holdAll();
        TestProbe<StatusReply<VmInfo>> resume = vm.send(MicroVm.Resume::new);
        TestProbe<StatusReply<VmInfo>> pause = vm.send(MicroVm.Pause::new);
        vm.built.releaseAll();

        assertState(VmState.PAUSED, pause.receiveMessage(ANSWER));
        assertRefused("superseded by a later Pause", resume.receiveMessage(ANSWER));
        assertEquals(VmState.PAUSED, vm.info().state());
        vm.built.vcpus.forEach(v -> assertEquals(VcpuState.Phase.PAUSED, v.phase()));
    }

    @Test
    void requestsForTheWayTheVmIsAlreadyGoingShareTheAnswer() {
        Vm vm = started(1);
        vm.built.holdAll();
        TestProbe<StatusReply<VmInfo>> first = vm.send(MicroVm.Pause::new);
        TestProbe<StatusReply<VmInfo>> second = vm.send(MicroVm.Pause::new);
        vm.built.releaseAll();
        assertState(VmState.PAUSED, first.receiveMessage(ANSWER));
        assertState(VmState.PAUSED, second.receiveMessage(ANSWER));
    }

    @Test
    void pausesAndResumesBackToBackEndWhereTheLastOneSaidAndNoAnswerLies() {
        Vm vm = started(2);
        for (int round = 0; round < 200; round++) {
            // free-running vCPU threads: every interleaving of requests and answers the scheduler makes
            int n = 1 + round % 5;
            List<TestProbe<StatusReply<VmInfo>>> replies = new ArrayList<>();
            List<VmState> asked = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                boolean pause = (round + i) % 2 == 0;
                replies.add(vm.send(pause ? MicroVm.Pause::new : MicroVm.Resume::new));
                asked.add(pause ? VmState.PAUSED : VmState.RUNNING);
            }
            VmState last = asked.get(n - 1);
            for (int i = 0; i < n; i++) {
                StatusReply<VmInfo> r = replies.get(i).receiveMessage(ANSWER);
                int at = i;
                if (r.isSuccess()) {
                    // answered either at once (already there) or when the vCPUs got there: the state it names
                    assertEquals(asked.get(i), r.getValue().state(), () -> "round " + at + ": " + r.getValue());
                } else {
                    assertTrue(r.getError().getMessage().contains("superseded"), r.getError().getMessage());
                }
            }
            assertEquals(last, vm.info().state(), "round " + round);
            vm.built.vcpus.forEach(v -> assertEquals(last == VmState.PAUSED ? VcpuState.Phase.PAUSED
                    : VcpuState.Phase.RUNNING, v.phase()));
        }
    }

    // ---- the guest, the build and the wrong phase --------------------------------------------------

    @Test
    void aGuestResetWhilePausedEndsTheVm() throws Exception {
        Vm vm = started(2);
        assertState(VmState.PAUSED, vm.ask(MicroVm.Pause::new));
        vm.hooks.get().guestReset();   // an i8042 reset pulse written before the pause, reported after it
        VmInfo end = vm.awaitEnd();
        assertEquals(VmState.STOPPED, end.state());
        assertEquals(EndReason.Kind.RESET, end.endReason().kind());
        assertEquals(List.of(), vm.release());
    }

    @Test
    void aVcpuThatEndsTheGuestEndsTheVmForItsReason() throws Exception {
        Vm vm = started(2);
        vm.built.vcpus.get(1).guestEnds(EndReason.of(EndReason.Kind.TRIPLE_FAULT, "vCPU 1 triple-faulted"));
        VmInfo end = vm.awaitEnd();
        assertEquals(VmState.FAILED, end.state());
        assertEquals(EndReason.Kind.TRIPLE_FAULT, end.endReason().kind());
        assertEquals(List.of(), vm.release());
    }

    @Test
    void aGuestThatEndsTheVmWhileAPauseIsInFlightFailsThePause() throws Exception {
        Vm vm = started(2);
        ScriptedVcpu inKvmRun = vm.built.vcpus.get(0);
        inKvmRun.hold();
        TestProbe<StatusReply<VmInfo>> pause = vm.send(MicroVm.Pause::new);
        inKvmRun.guestEnds(EndReason.of(EndReason.Kind.POWEROFF, ""));   // before it sees the pause
        inKvmRun.release();
        assertRefused("stopping", pause.receiveMessage(ANSWER));
        VmInfo end = vm.awaitEnd();
        assertEquals(EndReason.Kind.POWEROFF, end.endReason().kind());
        assertEquals(List.of(), vm.release());
    }

    @Test
    void aBuildFailureFailsTheStartWithItsCauseAndTheVmEndsFailed() {
        String id = "unit-" + ids.incrementAndGet();
        ActorRef<MicroVm.Command> ref = testKit.spawn(MicroVm.create(id, 1, 128, h -> {
            throw new IllegalStateException("kernel image /nope not found: check boot-source");
        }), id);
        TestProbe<StatusReply<VmInfo>> start = testKit.createTestProbe();
        ref.tell(new MicroVm.Start(start.getRef()));
        assertRefused("kernel image /nope not found", start.receiveMessage(ANSWER));
        TestProbe<VmInfo> info = testKit.createTestProbe();
        ref.tell(new MicroVm.GetInfo(info.getRef()));
        VmInfo i = info.receiveMessage(ANSWER);
        assertEquals(VmState.FAILED, i.state());
        assertEquals(EndReason.Kind.VMM_ERROR, i.endReason().kind());
    }

    @Test
    void aBuildRefusingTheUsersFileEndsTheVmAsInvalidConfigNotAsAVmmError() {
        String id = "unit-" + ids.incrementAndGet();
        ActorRef<MicroVm.Command> ref = testKit.spawn(MicroVm.create(id, 1, 128, h -> {
            throw new VmBuilder.VmBuildException("cannot build VM " + id + ": cannot open /srv/d.img: it is a symbolic link",
                    new dev.flotilla.kvm.hostfs.HostFileException("cannot open /srv/d.img: it is a symbolic link", 40));
        }), id);
        TestProbe<StatusReply<VmInfo>> start = testKit.createTestProbe();
        ref.tell(new MicroVm.Start(start.getRef()));
        assertRefused("symbolic link", start.receiveMessage(ANSWER));
        TestProbe<VmInfo> info = testKit.createTestProbe();
        ref.tell(new MicroVm.GetInfo(info.getRef()));
        assertEquals(EndReason.Kind.INVALID_CONFIG, info.receiveMessage(ANSWER).endReason().kind());
    }

    @Test
    void requestsThatDoNotBelongToThePhaseAreRefusedWithWhatToDo() throws Exception {
        Vm vm = spawn(1, null);
        assertRefused("configuring", vm.ask(MicroVm.Pause::new));
        assertRefused("configuring", vm.ask(MicroVm.Resume::new));
        TestProbe<StatusReply<Done>> keys = testKit.createTestProbe();
        vm.ref.tell(new MicroVm.SendCtrlAltDel(keys.getRef()));
        assertRefused("start it first", keys.receiveMessage(ANSWER));

        assertState(VmState.RUNNING, vm.ask(MicroVm.Start::new));
        assertRefused("a VM starts once", vm.ask(MicroVm.Start::new));
        assertState(VmState.PAUSED, vm.ask(MicroVm.Pause::new));
        vm.ref.tell(new MicroVm.SendCtrlAltDel(keys.getRef()));
        assertRefused("resume it before sending Ctrl-Alt-Del", keys.receiveMessage(ANSWER));

        assertStoppedAndReleased(vm, vm.ask(MicroVmTest::stop));
        assertRefused("stopped", vm.ask(MicroVm.Pause::new));
        assertRefused("stopped", vm.ask(MicroVm.Resume::new));
    }
}
