package dev.flotilla.fleet;

import akka.actor.typed.ActorRef;
import dev.flotilla.fleet.host.HostAgent;
import dev.flotilla.fleet.host.HostCapacity;
import dev.flotilla.fleet.host.MemoryPressure;
import dev.flotilla.fleet.placement.HostLoad;

/** One host as the fleet tracks it: its agent, capacity and what is reserved on it. Owned by the fleet actor. */
final class HostSlot {

    final String name;
    final ActorRef<HostAgent.Command> agent;
    final HostCapacity capacity;
    final String kvmFlavour;
    int vcpusAllocated;
    long memMibAllocated;
    int vmCount;
    /** The agent's last reading, or null before the first. */
    MemoryPressure memory;

    HostSlot(String name, ActorRef<HostAgent.Command> agent, HostCapacity capacity, String kvmFlavour) {
        this.name = name;
        this.agent = agent;
        this.capacity = capacity;
        this.kvmFlavour = kvmFlavour;
    }

    HostLoad load() {
        return new HostLoad(name, capacity.vcpus(), capacity.memMib(), vcpusAllocated, memMibAllocated, vmCount,
                capacity.vmOverheadMib());
    }

    HostView view() {
        return new HostView(name, capacity.vcpus(), capacity.memMib(), vcpusAllocated, memMibAllocated, vmCount, kvmFlavour,
                capacity.vmOverheadMib(), capacity.memTotalMib(), capacity.memReserveMib(),
                memory == null ? -1 : memory.memAvailableMib(), memory == null ? null : memory.someAvg10(),
                memory == null ? null : memory.fullAvg10());
    }
}
