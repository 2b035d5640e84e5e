/**
 * The microVM as an actor. {@link dev.flotilla.vm.MicroVm} is the lifecycle state machine
 * (configuring → starting → running ⇄ paused → stopped | failed), one phase per behavior; it supervises
 * one {@link dev.flotilla.vm.vcpu.Vcpu} child per vCPU. {@link dev.flotilla.vm.VmBuilder} turns a validated
 * {@link dev.flotilla.vm.config.VmSpec} into {@link dev.flotilla.vm.VmResources} (guest RAM, the KVM VM,
 * vCPU fds, buses and devices) on the blocking dispatcher.
 * <p>Threading: actor code never blocks. Building and releasing a VM run on
 * {@code flotilla.vm-blocking-dispatcher}; each vCPU runs KVM_RUN on its own platform thread; devices
 * call back into the actor only by enqueueing messages ({@link dev.flotilla.vm.VmHooks}).
 * <p>Ending: every end (guest reset or power-off, triple fault, emulation failure, user stop, timeout)
 * goes through one path: stop every vCPU loop, wait until each has left KVM_RUN and closed its fd, then
 * close the VM fd and unmap RAM, and only then report the VM ended. So a stopped VM holds nothing, and
 * one VM's failure never reaches another VM or the JVM.
 */
package dev.flotilla.vm;
