/**
 * vCPUs: {@link dev.flotilla.vm.vcpu.Vcpu} is the control plane (an actor, child of its MicroVm) and a
 * {@link dev.flotilla.vm.vcpu.VcpuRunner} the data plane: in production a
 * {@link dev.flotilla.vm.vcpu.VcpuLoop}, the KVM_RUN loop on a dedicated platform thread
 * {@code vcpu-<vm>-<n>}. MicroVm sees only the runner interface, so its phases are unit-tested on scripted
 * runners that keep the same contract (see {@link dev.flotilla.vm.vcpu.VcpuRunner}).
 * <p>State as a type: each loop's control state is a {@link dev.flotilla.vm.vcpu.VcpuState}, running ⇄
 * paused → finished, written like Firecracker's vCPU (a function per phase, each returning the next).
 * Requests (pause, resume, stop) are queued by control threads and taken only by the loop's thread, in
 * order; each pause or resume is answered once, with paused or resumed, even when it changes nothing. So
 * when a controller has the answer to its last request from every vCPU, every vCPU is where that request
 * put it: MicroVm answers Pause and Resume only then, and "the last request wins" holds without guessing.
 * Finished is final: once STOP is offered no later request is accepted, requests queued before it are
 * dropped, and the loop leaves (before, a pause sent after a stop replaced it and parked the loop for ever).
 * <p>Pausing calls KVM_KVMCLOCK_CTRL on the vCPU, on its own thread as it parks, as Firecracker does: the
 * guest's kvmclock is marked stopped, so a Linux guest's soft-lockup watchdog does not report the pause as
 * a hung CPU. A guest without kvmclock answers EINVAL, which is not an error.
 * <p>Kicks: a request to a running loop kicks its thread out of KVM_RUN with a blocked real-time signal
 * that KVM unblocks only during KVM_RUN (see {@code KickSignal} in kvm-native): no Java signal handler, no
 * lost wake-up (a kick outside KVM_RUN ends the next one at once), and no lock held across KVM_RUN. A
 * parked loop is woken by the request itself.
 * <p>Before its thread ends, a loop drains any kick still pending: HotSpot restores a thread's original
 * signal mask as the thread exits, and a pending kick would then be delivered with its default action,
 * which ends the process (found by the boot ITs). {@code VcpuFd.close()} on the bound thread does that
 * drain, so the loop only has to close its fd on its own thread.
 */
package dev.flotilla.vm.vcpu;
