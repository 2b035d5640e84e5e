package dev.flotilla.fleet.host;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import dev.flotilla.fleet.FleetProtocol;
import dev.flotilla.fleet.placement.OverCommit;
import dev.flotilla.vm.EndReason;
import dev.flotilla.vm.MicroVm;
import dev.flotilla.vm.VmInfo;
import dev.flotilla.vm.VmState;
import dev.flotilla.vm.config.VmSpec;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One host: offers its capacity to the fleet and reports its memory pressure periodically, runs the
 * microVMs the fleet places on it (one child MicroVm actor per run, named {@code vm-<id>-<run>-<n>}),
 * subscribes to each and reports every change, and stops them on request. A VM that cannot be spawned, built or booted is reported as FAILED with its reason;
 * nothing about one VM is thrown at the agent. An ended VM's actor is stopped once its end is reported.
 *
 * <p>Addressing is by ActorRef plus the host's name only, so the same agent works under Akka Cluster.
 */
public final class HostAgent extends AbstractBehavior<HostAgent.Command> {

    public sealed interface Command permits StartVm, StopVm, InfoChanged, VmActorStopped, StartAnswered, ReadMemory {}

    /** Spawns and starts run {@code run} of VM {@code spec.id()}. */
    public record StartVm(String id, long run, VmSpec spec) implements Command {}

    /** Stops run {@code run} of VM {@code id}; its end comes back as a {@link HostReport.VmChanged}. */
    public record StopVm(String id, long run, EndReason reason) implements Command {}

    private record InfoChanged(VmInfo info) implements Command {}
    private record VmActorStopped(String id, long run) implements Command {}
    private record StartAnswered(String id, long run, String error) implements Command {}
    private enum ReadMemory implements Command { INSTANCE }

    /** The one live run of a VM on this host. */
    private record Live(long run, ActorRef<MicroVm.Command> vm) {}

    /** Only for the log: the subscription reports the outcome; building can be slow on a loaded host. */
    private static final java.time.Duration START_ANSWER_TIMEOUT = java.time.Duration.ofMinutes(5);

    private final String name;
    private final VmLauncher launcher;
    private final ActorRef<FleetProtocol.Command> fleet;
    private final ActorRef<VmInfo> infoAdapter;
    private final Map<String, Live> live = new HashMap<>();
    private final Supplier<MemoryPressure> memory;
    private long spawned;
    private boolean memoryUnreadableLogged;

    /**
     * A host that offers exactly {@code physical} × over-commit and reports no memory pressure (fake hosts).
     *
     * @param physical   this host's cores and RAM
     * @param overCommit applied to {@code physical} to give the capacity offered to the fleet
     */
    public static Behavior<Command> create(String name, HostResources physical, OverCommit overCommit,
                                           VmLauncher launcher, ActorRef<FleetProtocol.Command> fleet) {
        return create(name, HostCapacity.of(physical, overCommit, HostMemorySettings.NONE, 0), Duration.ZERO, null,
                launcher, fleet);
    }

    /**
     * A real host: offers {@link HostCapacity#of} its cores and MemTotal (the reserve and the daemon JVM's
     * maximum heap taken off, the per-VM overhead charged) and reports its memory pressure, read from
     * {@code memory}, every {@code settings.pressureInterval()}.
     */
    public static Behavior<Command> create(String name, HostResources physical, OverCommit overCommit,
                                           HostMemorySettings settings, Supplier<MemoryPressure> memory,
                                           VmLauncher launcher, ActorRef<FleetProtocol.Command> fleet) {
        long jvmHeapMib = Runtime.getRuntime().maxMemory() >> 20;
        return create(name, HostCapacity.of(physical, overCommit, settings, jvmHeapMib), settings.pressureInterval(),
                memory, launcher, fleet);
    }

    private static Behavior<Command> create(String name, HostCapacity capacity, Duration interval,
                                            Supplier<MemoryPressure> memory, VmLauncher launcher,
                                            ActorRef<FleetProtocol.Command> fleet) {
        return Behaviors.withTimers(timers -> Behaviors.setup(ctx -> {
            if (memory != null) {
                ctx.getSelf().tell(ReadMemory.INSTANCE);
                timers.startTimerWithFixedDelay(ReadMemory.INSTANCE, interval);
            }
            return new HostAgent(ctx, name, capacity, memory, launcher, fleet);
        }));
    }

    private HostAgent(ActorContext<Command> ctx, String name, HostCapacity capacity, Supplier<MemoryPressure> memory,
                      VmLauncher launcher, ActorRef<FleetProtocol.Command> fleet) {
        super(ctx);
        this.name = name;
        this.launcher = launcher;
        this.fleet = fleet;
        this.memory = memory;
        this.infoAdapter = ctx.messageAdapter(VmInfo.class, InfoChanged::new);
        fleet.tell(new HostReport.HostJoined(name, ctx.getSelf(), capacity, launcher.kvmFlavour()));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(StartVm.class, this::onStart)
                .onMessage(StopVm.class, this::onStop)
                .onMessage(InfoChanged.class, this::onInfo)
                .onMessage(StartAnswered.class, this::onStartAnswered)
                .onMessage(VmActorStopped.class, this::onVmActorStopped)
                .onMessage(ReadMemory.class, m -> onReadMemory())
                .build();
    }

    /** /proc/meminfo and /proc/pressure/memory are made by the kernel on read: no disk, quick enough here. */
    private Behavior<Command> onReadMemory() {
        try {
            fleet.tell(new HostReport.HostMemory(name, memory.get()));
        } catch (RuntimeException e) {
            if (!memoryUnreadableLogged) {
                memoryUnreadableLogged = true;
                getContext().getLog().warn("host {}: cannot read memory pressure ({}); GET /hosts shows none", name,
                        e.getMessage());
            }
        }
        return this;
    }

    private Behavior<Command> onStart(StartVm m) {
        Live previous = live.get(m.id());
        if (previous != null) {
            // the fleet starts a new run only after the previous one ended; a live one here is a fleet bug
            getContext().getLog().warn("host {}: VM {} run {} asked to start while run {} is live; stopping the old run",
                    name, m.id(), m.run(), previous.run());
            previous.vm().tell(new MicroVm.Stop(EndReason.of(EndReason.Kind.STOPPED, "replaced by run " + m.run()),
                    getContext().getSystem().ignoreRef()));
        }
        ActorRef<MicroVm.Command> vm;
        try {
            // the agent's own counter keeps names unique even if a restarted fleet reuses run numbers
            vm = getContext().spawn(launcher.microVm(m.spec()), "vm-" + m.id() + "-" + m.run() + "-" + (++spawned));
        } catch (RuntimeException e) {
            report(m.id(), m.run(), null, failedInfo(m, "cannot create the VM actor: " + e.getMessage()));
            return this;
        }
        live.put(m.id(), new Live(m.run(), vm));
        getContext().watchWith(vm, new VmActorStopped(m.id(), m.run()));
        vm.tell(new MicroVm.Subscribe(infoAdapter));
        String id = m.id();
        long run = m.run();
        getContext().askWithStatus(VmInfo.class, vm, START_ANSWER_TIMEOUT, MicroVm.Start::new,
                (info, err) -> new StartAnswered(id, run, err == null ? null : err.getMessage()));
        return this;
    }

    private Behavior<Command> onStartAnswered(StartAnswered m) {
        // the subscription carries the outcome (RUNNING, or FAILED with the build error); this is for the log
        if (m.error() != null) {
            getContext().getLog().info("host {}: VM {} run {} did not start: {}", name, m.id(), m.run(), m.error());
        }
        return this;
    }

    private Behavior<Command> onStop(StopVm m) {
        Live l = live.get(m.id());
        if (l != null && l.run() == m.run()) {
            l.vm().tell(new MicroVm.Stop(m.reason(), getContext().getSystem().ignoreRef()));
        }
        return this;
    }

    private Behavior<Command> onInfo(InfoChanged m) {
        Live l = live.get(m.info().id());
        if (l == null) return this;
        report(m.info().id(), l.run(), l.vm(), m.info());
        if (m.info().ended()) {
            live.remove(m.info().id());
            getContext().unwatch(l.vm());
            getContext().stop(l.vm());
        }
        return this;
    }

    private Behavior<Command> onVmActorStopped(VmActorStopped m) {
        Live l = live.get(m.id());
        if (l != null && l.run() == m.run()) {
            // stopped without reporting an end: the actor failed; its PostStop released what it held
            live.remove(m.id());
            report(m.id(), m.run(), l.vm(), new VmInfo(m.id(), VmState.FAILED,
                    EndReason.of(EndReason.Kind.VMM_ERROR, "the VM's actor stopped unexpectedly on host " + name),
                    -1, 0, 0, ""));
        }
        return this;
    }

    private void report(String id, long run, ActorRef<MicroVm.Command> vm, VmInfo info) {
        fleet.tell(new HostReport.VmChanged(name, id, run, vm, info));
    }

    private static VmInfo failedInfo(StartVm m, String why) {
        return new VmInfo(m.id(), VmState.FAILED, EndReason.of(EndReason.Kind.VMM_ERROR, why), -1,
                m.spec().machineConfig().vcpuCount(), m.spec().machineConfig().memSizeMib(), "");
    }
}
