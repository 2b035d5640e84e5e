package dev.flotilla.vm;

import dev.flotilla.vm.vcpu.VcpuEvents;
import dev.flotilla.vm.vcpu.VcpuLoop;
import dev.flotilla.vm.vcpu.VcpuRunner;
import dev.flotilla.vm.vcpu.VcpuState;
import java.time.Duration;

/**
 * A vCPU run loop without KVM, for MicroVm's unit tests. It keeps {@link VcpuRunner}'s contract the way
 * {@link VcpuLoop} does: the same {@link VcpuState} machine decides what each request does, on a platform
 * thread of its own that answers every pause and resume once, in order, through {@link VcpuEvents}, and
 * ends with {@code exited}. Its guest does nothing until the test ends the VM from it ({@link #guestEnds}),
 * which, as in a real guest, happens only while it runs. A test can hold the thread ({@link #hold}) so that
 * requests queue up, as they do while a real vCPU has not yet come back from KVM_RUN.
 */
final class ScriptedVcpu implements VcpuRunner {

    private final String vmId;
    private final int index;
    private final VcpuEvents events;
    private final VcpuState state = new VcpuState();
    private final Object lock = new Object();
    private boolean held;
    private EndReason guestEnd;
    private volatile Thread thread;
    /** Set just before {@code exited} is reported: the vCPU has nothing left to touch. */
    private volatile boolean exited;

    ScriptedVcpu(String vmId, int index, VcpuEvents events) {
        this.vmId = vmId;
        this.index = index;
        this.events = events;
    }

    @Override
    public void start() {
        Thread t = new Thread(this::run, "scripted-vcpu-" + vmId + "-" + index);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    @Override
    public void requestPause() {
        offer(VcpuState.Request.PAUSE);
    }

    @Override
    public void requestResume() {
        offer(VcpuState.Request.RESUME);
    }

    @Override
    public void requestStop() {
        offer(VcpuState.Request.STOP);
    }

    @Override
    public boolean awaitExit(Duration timeout) {
        Thread t = thread;
        if (t == null) return true;
        try {
            t.join(Math.max(1, timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }

    @Override
    public long exitCount(VcpuLoop.ExitKind kind) {
        return 0;   // the scripted guest never exits to the VMM
    }

    /** Requests wait until {@link #release()}, as if the vCPU were still inside KVM_RUN. */
    void hold() {
        synchronized (lock) {
            held = true;
        }
    }

    void release() {
        synchronized (lock) {
            held = false;
            lock.notifyAll();
        }
    }

    /**
     * The guest ends the VM from this vCPU (a power-off, a triple fault) as soon as it runs: at once if
     * it runs and is not held, before any request waiting for a held vCPU, after the resume of a paused one.
     */
    void guestEnds(EndReason reason) {
        synchronized (lock) {
            guestEnd = reason;
            lock.notifyAll();
        }
    }

    VcpuState.Phase phase() {
        return state.phase();
    }

    boolean exited() {
        return exited;
    }

    private void offer(VcpuState.Request r) {
        if (state.offer(r)) {
            synchronized (lock) {
                lock.notifyAll();
            }
        }
    }

    private void run() {
        try {
            VcpuState.Phase phase = VcpuState.Phase.RUNNING;
            while (phase != VcpuState.Phase.FINISHED) {
                EndReason end;
                synchronized (lock) {
                    while (held || !(state.hasRequest() || (phase == VcpuState.Phase.RUNNING && guestEnd != null))) {
                        lock.wait();
                    }
                    // as in KVM_RUN: a guest that ends the VM before the loop looks at its requests ends it
                    end = phase == VcpuState.Phase.RUNNING ? guestEnd : null;
                }
                if (end != null) {
                    state.finish();
                    events.guestEnded(index, end);
                    return;
                }
                VcpuState.Step step = state.take();
                if (step == null) continue;
                step.report(index, events);
                phase = step.to();
            }
        } catch (InterruptedException e) {
            events.guestEnded(index, EndReason.of(EndReason.Kind.VMM_ERROR, "scripted vCPU interrupted"));
        } finally {
            exited = true;
            events.exited(index);
        }
    }
}
