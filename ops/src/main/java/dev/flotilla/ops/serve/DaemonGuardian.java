package dev.flotilla.ops.serve;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.Terminated;
import akka.actor.typed.javadsl.Behaviors;
import dev.flotilla.fleet.Fleet;
import dev.flotilla.fleet.FleetProtocol;
import dev.flotilla.fleet.FleetSettings;
import dev.flotilla.fleet.host.HostAgent;
import dev.flotilla.fleet.host.HostResources;
import dev.flotilla.fleet.host.KvmVmLauncher;
import dev.flotilla.fleet.store.DesiredStateStore;
import dev.flotilla.kvm.Kvm;
import dev.flotilla.ops.metrics.FleetFront;
import dev.flotilla.ops.metrics.ObservedVmLauncher;
import dev.flotilla.ops.metrics.VmMetricsCollector;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The daemon's root actor: the fleet, the metrics collector, this host's agent (whose launcher announces
 * each VM to the collector) and the front the API talks to. On {@link StopVms} it stops them in the order a
 * restart needs: first the fleet (so nothing it hears from here on can change the desired state), then
 * the host agent, whose MicroVm children release their VMs as they stop.
 */
final class DaemonGuardian {

    sealed interface Command permits StopVms {}

    /** Stop every VM but keep the desired state as it is (SIGTERM); {@code done} completes once they are released. */
    record StopVms(CompletableFuture<Void> done) implements Command {}

    /** What the daemon hands to the API server. */
    record Started(ActorRef<FleetProtocol.Command> front) {}

    private DaemonGuardian() {}

    static Behavior<Command> create(FleetSettings fleetSettings, ServeSettings serve, DesiredStateStore store, Kvm kvm,
                                    java.util.Optional<dev.flotilla.vm.pool.VmPool> pool, dev.flotilla.kvm.hostfs.HostFiles files,
                                    Duration relayTimeout, CompletableFuture<Started> started) {
        return Behaviors.setup(ctx -> {
            ActorRef<FleetProtocol.Command> fleet = ctx.spawn(Fleet.create(fleetSettings, store), "fleet");
            ActorRef<VmMetricsCollector.Command> collector = ctx.spawn(VmMetricsCollector.create(fleet,
                    serve.pollInterval(), serve.firecrackerFlushInterval(), files), "metrics");
            ActorRef<HostAgent.Command> host = ctx.spawn(HostAgent.create(serve.hostName(), HostResources.detect(),
                    fleetSettings.overCommit(), new ObservedVmLauncher(new KvmVmLauncher(kvm, serve.consoleDir(), pool, files), collector),
                    fleet), "host-" + serve.hostName().replaceAll("[^A-Za-z0-9_-]", "_"));
            ActorRef<FleetProtocol.Command> front = ctx.spawn(FleetFront.create(fleet, collector, relayTimeout), "front");
            started.complete(new Started(front));
            return Behaviors.receive(Command.class)
                    .onMessage(StopVms.class, m -> {
                        ctx.getLog().info("stopping the VMs (their desired state is kept: a restart brings them back)");
                        ctx.stop(front);
                        ctx.watch(fleet);
                        ctx.stop(fleet);
                        return stopping(ctx, host, fleet, m.done());
                    })
                    .build();
        });
    }

    private static Behavior<Command> stopping(akka.actor.typed.javadsl.ActorContext<Command> ctx, ActorRef<HostAgent.Command> host, ActorRef<FleetProtocol.Command> fleet,
                                              CompletableFuture<Void> done) {
        return Behaviors.receive(Command.class)
                .onMessage(StopVms.class, m -> {
                    done.whenComplete((v, e) -> m.done().complete(null));
                    return Behaviors.same();
                })
                .onSignal(Terminated.class, t -> {
                    if (t.getRef().equals(fleet)) {
                        ctx.watch(host);
                        ctx.stop(host);
                    } else if (t.getRef().equals(host)) {
                        ctx.getLog().info("every VM is released");
                        done.complete(null);
                    }
                    return Behaviors.same();
                })
                .build();
    }
}
