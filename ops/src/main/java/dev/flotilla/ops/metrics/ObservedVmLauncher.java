package dev.flotilla.ops.metrics;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.flotilla.fleet.host.VmLauncher;
import dev.flotilla.vm.MicroVm;
import dev.flotilla.vm.config.VmSpec;

/**
 * A {@link VmLauncher} that announces every MicroVm actor it makes to the {@link VmMetricsCollector}, so the
 * metrics reach each VM directly (vCPU exits, device counters) without a detour through the fleet actor.
 * The announcement is the actor's first act, before it takes any message.
 */
public final class ObservedVmLauncher implements VmLauncher {

    private final VmLauncher inner;
    private final ActorRef<VmMetricsCollector.Command> collector;

    public ObservedVmLauncher(VmLauncher inner, ActorRef<VmMetricsCollector.Command> collector) {
        this.inner = inner;
        this.collector = collector;
    }

    @Override
    public Behavior<MicroVm.Command> microVm(VmSpec spec) {
        Behavior<MicroVm.Command> vm = inner.microVm(spec);
        return Behaviors.setup(ctx -> {
            collector.tell(new VmMetricsCollector.VmLaunched(spec.id(), ctx.getSelf()));
            return vm;
        });
    }

    @Override
    public String kvmFlavour() {
        return inner.kvmFlavour();
    }
}
