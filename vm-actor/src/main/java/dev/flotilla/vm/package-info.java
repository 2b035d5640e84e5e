/**
 * The microVM as an actor. {@link dev.flotilla.vm.MicroVm} is the lifecycle state machine
 * (configuring → starting → running ⇄ paused → stopped | failed), one phase per behavior; it supervises
 * one {@link dev.flotilla.vm.vcpu.Vcpu} child per vCPU. {@link dev.flotilla.vm.VmBuilder} turns a validated
 * {@link dev.flotilla.vm.config.VmSpec} into {@link dev.flotilla.vm.VmResources} (guest RAM, the KVM VM,
 * vCPU fds, buses and devices) on the blocking dispatcher. MicroVm holds what it built as a
 * {@link dev.flotilla.vm.BuiltVm} (a runner per vCPU, devices, release), so its phases have unit tests on a
 * scripted VM without /dev/kvm; the {@code *IT} tests run the same actor on real KVM.
 * <p>Pause and Resume: the last request wins and every answer is true when sent. A request is answered
 * once every vCPU has answered it (see the vcpu package); one superseded by a later opposite request is
 * answered with a failure that says so. MicroVm's javadoc has the details.
 * <p>Threading: actor code never blocks. Building and releasing a VM run on
 * {@code flotilla.vm-blocking-dispatcher}; each vCPU runs KVM_RUN on its own platform thread; devices
 * call back into the actor only by enqueueing messages ({@link dev.flotilla.vm.VmHooks}).
 * <p>Ending: every end (guest reset or power-off, triple fault, emulation failure, user stop, timeout)
 * goes through one path: stop every vCPU loop, wait until each has left KVM_RUN and closed its fd, then
 * close the VM fd and unmap RAM, and only then report the VM ended. So a stopped VM holds nothing, and
 * one VM's failure never reaches another VM or the JVM.
 */
package dev.flotilla.vm;
