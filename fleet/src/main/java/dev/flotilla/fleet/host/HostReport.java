package dev.flotilla.fleet.host;

import akka.actor.typed.ActorRef;
import dev.flotilla.fleet.FleetProtocol;
import dev.flotilla.vm.MicroVm;
import dev.flotilla.vm.VmInfo;

/** What a {@link HostAgent} tells the fleet: that it joined, and every change of a VM it runs. */
public sealed interface HostReport extends FleetProtocol.Command {

    /**
     * A host offers its capacity (over-commit applied). The fleet watches {@code agent}: when it stops, the
     * VMs it ran are counted as failed.
     */
    record HostJoined(String host, ActorRef<HostAgent.Command> agent, HostCapacity capacity, String kvmFlavour)
            implements HostReport {}

    /** The host's memory as its agent last read it (every flotilla.fleet.host-memory.pressure-interval). */
    record HostMemory(String host, MemoryPressure memory) implements HostReport {}

    /**
     * A VM's new state. {@code run} is the fleet's number for this boot of the VM (a restart is a new run),
     * so a late report of an earlier run is recognised. {@code vm} is the MicroVm actor of this run.
     */
    record VmChanged(String host, String id, long run, ActorRef<MicroVm.Command> vm, VmInfo info) implements HostReport {}
}
