package dev.flotilla.fleet.host;

import akka.actor.typed.Behavior;
import dev.flotilla.vm.MicroVm;
import dev.flotilla.vm.config.VmSpec;

/**
 * Makes the actor of one microVM, not yet started. {@link KvmVmLauncher} builds real ones on /dev/kvm;
 * tests give the host agent one that answers the same protocol without KVM.
 */
public interface VmLauncher {

    /** The behavior of a MicroVm for {@code spec}; building its native parts happens on Start, off the dispatcher. */
    Behavior<MicroVm.Command> microVm(VmSpec spec);

    /** What runs the VMs, for GET /hosts: "HARDWARE", "PVM", or a test's name. */
    String kvmFlavour();
}
