package dev.flotilla.fleet;

import akka.actor.typed.ActorRef;
import dev.flotilla.fleet.host.HostAgent;
import dev.flotilla.fleet.host.HostResources;
import dev.flotilla.fleet.placement.HostLoad;

/** One host as the fleet tracks it: its agent, capacity and what is reserved on it. Owned by the fleet actor. */
final class HostSlot {

    final String name;
    final ActorRef<HostAgent.Command> agent;
    final HostResources capacity;
    final String kvmFlavour;
    int vcpusAllocated;
    long memMibAllocated;
    int vmCount;

    HostSlot(String name, ActorRef<HostAgent.Command> agent, HostResources capacity, String kvmFlavour) {
        this.name = name;
        this.agent = agent;
        this.capacity = capacity;
        this.kvmFlavour = kvmFlavour;
    }

    HostLoad load() {
        return new HostLoad(name, capacity.vcpus(), capacity.memMib(), vcpusAllocated, memMibAllocated, vmCount);
    }

    HostView view() {
        return new HostView(name, capacity.vcpus(), capacity.memMib(), vcpusAllocated, memMibAllocated, vmCount, kvmFlavour);
    }
}
