package dev.flotilla.vm.vcpu;

import static dev.flotilla.vm.vcpu.VcpuState.Phase.FINISHED;
import static dev.flotilla.vm.vcpu.VcpuState.Phase.PAUSED;
import static dev.flotilla.vm.vcpu.VcpuState.Phase.RUNNING;
import static dev.flotilla.vm.vcpu.VcpuState.Request.PAUSE;
import static dev.flotilla.vm.vcpu.VcpuState.Request.RESUME;
import static dev.flotilla.vm.vcpu.VcpuState.Request.STOP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.vm.EndReason;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VcpuStateTest {

    @Test
    void stopCannotBeOverwrittenByALaterPauseOrResume() {
        VcpuState s = new VcpuState();
        assertTrue(s.offer(STOP));
        assertFalse(s.offer(PAUSE), "a pause after the stop was accepted");
        assertFalse(s.offer(RESUME), "a resume after the stop was accepted");

        assertEquals(new VcpuState.Step(RUNNING, STOP, FINISHED), s.take());
        assertFalse(s.offer(PAUSE));
        assertNull(s.take(), "nothing follows finished");
        assertEquals(FINISHED, s.phase());
    }

    @Test
    void aStopJumpsRequestsQueuedBeforeItAndDropsThem() {
        VcpuState s = new VcpuState();
        s.offer(PAUSE);
        s.offer(RESUME);
        s.offer(STOP);
        assertEquals(new VcpuState.Step(RUNNING, STOP, FINISHED), s.take());
        assertFalse(s.hasRequest());
    }

    @Test
    void aParkedLoopIsWokenByAStopAndNotByAResumeOfferedAfterIt() throws Exception {
        VcpuState s = new VcpuState();
        s.offer(PAUSE);
        assertEquals(new VcpuState.Step(RUNNING, PAUSE, PAUSED), s.take());
        s.offer(STOP);
        s.offer(RESUME);
        assertEquals(new VcpuState.Step(PAUSED, STOP, FINISHED), s.awaitRequest());
    }

    @Test
    void finishedAbsorbsEveryRequest() {
        for (VcpuState.Request r : VcpuState.Request.values()) assertEquals(FINISHED, FINISHED.on(r));
        assertEquals(FINISHED, RUNNING.on(STOP));
        assertEquals(FINISHED, PAUSED.on(STOP));
        VcpuState s = new VcpuState();
        s.finish();   // the guest ended the VM
        assertFalse(s.offer(RESUME));
        assertFalse(s.offer(STOP));
        assertFalse(s.hasRequest());
    }

    @Test
    void everyPauseAndResumeIsAnsweredOnceInOrderEvenWhenItChangesNothing() {
        VcpuState s = new VcpuState();
        List<String> answers = new ArrayList<>();
        VcpuEvents events = new VcpuEvents() {
            @Override public void paused(int index) { answers.add("paused"); }
            @Override public void resumed(int index) { answers.add("resumed"); }
            @Override public void guestEnded(int index, EndReason reason) { answers.add("ended"); }
            @Override public void exited(int index) { answers.add("exited"); }
        };
        for (VcpuState.Request r : List.of(RESUME, PAUSE, PAUSE, RESUME, PAUSE)) s.offer(r);
        VcpuState.Step step;
        while ((step = s.take()) != null) step.report(0, events);
        assertEquals(List.of("resumed", "paused", "paused", "resumed", "paused"), answers);
        assertEquals(PAUSED, s.phase(), "the last request decides where the loop is");
    }
}
