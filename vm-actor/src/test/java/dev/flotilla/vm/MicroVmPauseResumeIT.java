package dev.flotilla.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.pattern.StatusReply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pause and Resume sent back to back to a MicroVm on the real /dev/kvm, without waiting for answers:
 * the VM ends where the last request said, each answer is either the state its request asked for or a
 * failure saying a later request superseded it, and the vCPU threads themselves agree with the last
 * answer (parked in their loop when paused, back in KVM_RUN when running).
 */
class MicroVmPauseResumeIT {

    @RegisterExtension
    static final KvmTestBed bed = new KvmTestBed();

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int ROUNDS = 60;

    @Test
    void theLastOfPausesAndResumesSentBackToBackWinsAndNoAnswerLies() throws Exception {
        ProbeVm vm = ProbeVm.spawnProbe(bed.testKit(), bed.kvm(), "pause-race", 2, "console=ttyS0 probe.hold");
        assertTrue(vm.start().get(WAIT.toSeconds(), TimeUnit.SECONDS).isSuccess());
        vm.line("probe: holding").get(WAIT.toSeconds(), TimeUnit.SECONDS);
        int superseded = 0;
        for (int round = 0; round < ROUNDS; round++) {
            // 2 to 4 requests alternating, starting with either: the last is a Pause in half the rounds
            int n = 2 + round % 3;
            boolean firstIsPause = round % 2 == 0;
            List<CompletableFuture<StatusReply<VmInfo>>> answers = new ArrayList<>();
            List<VmState> asked = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                boolean pause = firstIsPause == (i % 2 == 0);
                answers.add(pause ? vm.pause() : vm.resume());
                asked.add(pause ? VmState.PAUSED : VmState.RUNNING);
            }
            VmState last = asked.get(n - 1);
            for (int i = 0; i < n; i++) {
                StatusReply<VmInfo> a = answers.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                String what = "round " + round + ", request " + i + " (" + asked.get(i) + ")";
                if (a.isSuccess()) {
                    assertEquals(asked.get(i), a.getValue().state(), what);
                } else {
                    assertTrue(i < n - 1 && a.getError().getMessage().contains("superseded by a later"),
                            what + ": " + a.getError().getMessage());
                    superseded++;
                }
            }
            assertTrue(answers.get(n - 1).get().isSuccess(), "round " + round + ": the last request failed");
            assertEquals(last, vm.info().get(WAIT.toSeconds(), TimeUnit.SECONDS).state(), "round " + round);
            assertVcpuThreads(vm.id(), last, "round " + round);
        }
        System.out.printf("pause/resume race: %d rounds, %d answers superseded%n", ROUNDS, superseded);
        StatusReply<VmInfo> stopped = vm.stop().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(VmState.STOPPED, stopped.getValue().state());
    }

    /**
     * The vCPU threads of a PAUSED VM wait in their loop (Object.wait, after their last answer, so polled
     * until they get there); those of a RUNNING one are not waiting there (in KVM_RUN, or about to be).
     */
    private static void assertVcpuThreads(String vmId, VmState state, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            List<Thread.State> states = new ArrayList<>();
            for (Map.Entry<Thread, StackTraceElement[]> t : Thread.getAllStackTraces().entrySet()) {
                if (!t.getKey().getName().startsWith("vcpu-" + vmId + "-")) continue;
                states.add(parkedInLoop(t) ? Thread.State.WAITING : t.getKey().getState());
            }
            assertEquals(2, states.size(), what + ": vCPU threads " + states);
            boolean parked = states.stream().allMatch(s -> s == Thread.State.WAITING);
            boolean running = states.stream().noneMatch(s -> s == Thread.State.WAITING);
            if (state == VmState.RUNNING) {
                assertTrue(running, what + ": the VM said RUNNING with a vCPU parked: " + states);
                return;
            }
            if (parked) return;
            assertTrue(System.nanoTime() < deadline, what + ": the VM said PAUSED with a vCPU not parked: " + states);
            Thread.onSpinWait();
        }
    }

    private static boolean parkedInLoop(Map.Entry<Thread, StackTraceElement[]> t) {
        if (t.getKey().getState() != Thread.State.WAITING) return false;
        for (StackTraceElement e : t.getValue()) if (e.getClassName().startsWith("dev.flotilla.vm.vcpu.")) return true;
        return false;
    }
}
