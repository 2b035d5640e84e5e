package dev.flotilla.vm.vcpu;

import java.time.Duration;

/**
 * One vCPU's run loop as its {@link Vcpu} actor drives it. {@link VcpuLoop} is the real one (KVM_RUN on a
 * platform thread of its own); the MicroVm unit tests drive a scripted one that keeps the same contract:
 * <ul>
 *   <li>{@link #start()} once; the vCPU then runs the guest.</li>
 *   <li>The requests may come from any thread and never block; their answers come on {@link VcpuEvents}
 *       from the runner's own thread, never from inside the request call.</li>
 *   <li>Every pause or resume accepted before a stop is answered by exactly one event, in request order:
 *       {@code paused} once the vCPU is outside the guest (also if it already was), {@code resumed} once
 *       it runs the guest again (also if it already did). So after the answer to the last request of a
 *       series, the vCPU is where that request put it.</li>
 *   <li>Stop is final ({@link VcpuState}): requests after it are ignored, requests not yet answered are
 *       dropped unanswered, and the runner ends with {@code exited}.</li>
 *   <li>The guest may end the VM: {@code guestEnded}, then {@code exited}; requests after it are ignored.</li>
 *   <li>{@code exited} is always the last event.</li>
 * </ul>
 */
public interface VcpuRunner {

    void start();

    void requestPause();

    void requestResume();

    void requestStop();

    /** Waits (bounded) for the runner's thread to end; true if it has, or never started. */
    boolean awaitExit(Duration timeout);

    /** Guest exits of {@code kind} since the start. */
    long exitCount(VcpuLoop.ExitKind kind);
}
