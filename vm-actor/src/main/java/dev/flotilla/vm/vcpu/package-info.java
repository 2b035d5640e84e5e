/**
 * vCPUs: {@link dev.flotilla.vm.vcpu.Vcpu} is the control plane (an actor, child of its MicroVm) and
 * {@link dev.flotilla.vm.vcpu.VcpuLoop} the data plane (the KVM_RUN loop on a dedicated platform thread
 * {@code vcpu-<vm>-<n>}). Pause, resume and stop set a volatile request and kick the thread out of KVM_RUN
 * with a blocked real-time signal that KVM unblocks only during KVM_RUN (see {@code KickSignal} in
 * kvm-native): no Java signal handler, no lost wake-up, and no lock held across KVM_RUN.
 * <p>Before its thread ends, a loop drains any kick still pending: HotSpot restores a thread's original
 * signal mask as the thread exits, and a pending kick would then be delivered with its default action,
 * which ends the process (found by the boot ITs). {@code VcpuFd.close()} on the bound thread does that
 * drain, so the loop only has to close its fd on its own thread.
 */
package dev.flotilla.vm.vcpu;
