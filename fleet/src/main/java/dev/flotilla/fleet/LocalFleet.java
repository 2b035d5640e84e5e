package dev.flotilla.fleet;

import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.ActorContext;
import dev.flotilla.fleet.host.HostAgent;
import dev.flotilla.fleet.host.HostResources;
import dev.flotilla.fleet.host.KvmVmLauncher;
import dev.flotilla.fleet.store.DesiredStateStore;
import dev.flotilla.kvm.Kvm;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Wiring for one host: the fleet and this machine's host agent as children of {@code ctx} (the daemon's
 * guardian), over the JVM's one {@link Kvm} and an open store. The caller owns the Kvm and the store and
 * closes them after the actor system has terminated.
 */
public final class LocalFleet {

    private LocalFleet() {}

    /**
     * @param hostName   this host's name in GET /hosts (e.g. the machine's hostname)
     * @param consoleDir where each VM's console is appended as {@code <id>.log}, or empty for memory only
     * @return the fleet, ready for the API
     */
    public static ActorRef<FleetProtocol.Command> spawn(ActorContext<?> ctx, FleetSettings settings, DesiredStateStore store,
                                                        Kvm kvm, String hostName, Optional<Path> consoleDir) {
        ActorRef<FleetProtocol.Command> fleet = ctx.spawn(Fleet.create(settings, store), "fleet");
        ctx.spawn(HostAgent.create(hostName, HostResources.detect(), settings.overCommit(),
                new KvmVmLauncher(kvm, consoleDir.map(d -> new dev.flotilla.vm.console.ConsoleFileWriter(d,
                        dev.flotilla.vm.console.ConsoleFileLimits.UNLIMITED, System::nanoTime))), fleet), "host-" + hostName.replaceAll("[^A-Za-z0-9_-]", "_"));
        return fleet;
    }
}
