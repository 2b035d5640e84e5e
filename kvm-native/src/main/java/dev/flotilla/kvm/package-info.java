/**
 * The KVM API as Java objects: one class per fd kind, and a child only comes from its parent
 * ({@code Kvm.open() -> kvm.createVm() -> vm.createVcpu(id)}); method names are the ioctl names.
 * <ul>
 * <li>{@link dev.flotilla.kvm.Kvm#availability()} says, without throwing, whether and how this host
 *     can run VMs (hardware virtualization, kvm_pvm, absent, no permission) and what to do about it.</li>
 * <li>{@link dev.flotilla.kvm.VcpuFd#run()} is one KVM_RUN; its result is a {@link dev.flotilla.kvm.VcpuExit}
 *     decoded from the mmap'd kvm_run. PIO/MMIO reads are answered with {@code completeIo} before the
 *     next run.</li>
 * <li>Kicking a vCPU uses a real-time signal that the vCPU thread keeps blocked and KVM unblocks only
 *     inside KVM_RUN ({@code KickSignal}): no Java signal handler, no lost wake-up, ~0.1 ms here.</li>
 * <li>Failures throw {@link dev.flotilla.kvm.sys.NativeException} naming the ioctl and errno; misuse
 *     (an fd used after close) throws IllegalStateException rather than touching a recycled fd.</li>
 * </ul>
 * Ownership: every fd and mapping is released by {@code close()}, which is idempotent; the caller
 * closes in the order vCPUs, VM, guest memory. Each class states its thread-safety contract.
 */
package dev.flotilla.kvm;
