package dev.flotilla.fleet;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.pattern.StatusReply;
import dev.flotilla.fleet.host.VmLauncher;
import dev.flotilla.vm.EndReason;
import dev.flotilla.vm.MicroVm;
import dev.flotilla.vm.VmInfo;
import dev.flotilla.vm.VmState;
import dev.flotilla.vm.config.VmSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * VMs without KVM: actors answering MicroVm's protocol like the real one (Start → running and booted,
 * Pause/Resume, Ctrl-Alt-Del → the guest resets, Stop with a reason → stopped or failed as MicroVm
 * decides). Counts the VMs spawned per id, and can make given ids fail to build.
 */
final class FakeVmLauncher implements VmLauncher {

    final Map<String, AtomicInteger> spawned = new ConcurrentHashMap<>();
    final Map<String, ActorRef<MicroVm.Command>> latest = new ConcurrentHashMap<>();
    final Set<String> failToBuild = ConcurrentHashMap.newKeySet();
    /** Live device updates the running fakes received, in order. */
    final java.util.List<MicroVm.UpdateDevice> deviceUpdates = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Ids whose actor throws on Start (a bug in the VMM): the actor stops without reporting an end. */
    final Set<String> throwOnStart = ConcurrentHashMap.newKeySet();
    /** Ids whose start (build and boot) stays under way, reported STARTING, until the test completes the gate. */
    final Map<String, java.util.concurrent.CompletableFuture<Void>> startGates = new ConcurrentHashMap<>();
    /** When set, live device updates are answered only when the test answers the refs left here. */
    volatile boolean holdDeviceUpdates;
    final java.util.Queue<ActorRef<StatusReply<Done>>> heldDeviceUpdates = new java.util.concurrent.ConcurrentLinkedQueue<>();

    int spawnCount(String id) {
        AtomicInteger n = spawned.get(id);
        return n == null ? 0 : n.get();
    }

    /** Ends the VM's current run as if the guest crashed (triple fault). */
    void crash(String id) {
        latest.get(id).tell(new MicroVm.Stop(EndReason.of(EndReason.Kind.TRIPLE_FAULT, "test crash"), null));
    }

    @Override
    public Behavior<MicroVm.Command> microVm(VmSpec spec) {
        String id = spec.id();
        spawned.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        boolean fail = failToBuild.contains(id);
        boolean blowUp = throwOnStart.contains(id);
        return Behaviors.setup(ctx -> {
            latest.put(id, ctx.getSelf());
            return new FakeVm(spec, fail, blowUp, this).configuring();
        });
    }

    @Override
    public String kvmFlavour() {
        return "FAKE";
    }

    private static final class FakeVm {
        private final VmSpec spec;
        private final boolean failToBuild;
        private final boolean throwOnStart;
        private final List<ActorRef<VmInfo>> subscribers = new ArrayList<>();
        private VmState state = VmState.CONFIGURING;
        private EndReason reason;
        private double bootMs = -1;

        private final FakeVmLauncher launcher;

        FakeVm(VmSpec spec, boolean failToBuild, boolean throwOnStart, FakeVmLauncher launcher) {
            this.launcher = launcher;
            this.spec = spec;
            this.failToBuild = failToBuild;
            this.throwOnStart = throwOnStart;
        }

        VmInfo info() {
            return new VmInfo(spec.id(), state, reason, bootMs, spec.machineConfig().vcpuCount(),
                    spec.machineConfig().memSizeMib(), "fake");
        }

        void set(VmState s) {
            state = s;
            VmInfo i = info();
            subscribers.forEach(sub -> sub.tell(i));
        }

        void end(EndReason r) {
            reason = r;
            set(r.kind().guestInitiated() || r.kind() == EndReason.Kind.STOPPED ? VmState.STOPPED : VmState.FAILED);
        }

        Behavior<MicroVm.Command> configuring() {
            return Behaviors.setup(ctx -> configuring(ctx));
        }

        private Behavior<MicroVm.Command> configuring(akka.actor.typed.javadsl.ActorContext<MicroVm.Command> ctx) {
            return Behaviors.receive(MicroVm.Command.class)
                    .onMessage(MicroVm.Subscribe.class, this::subscribe)
                    .onMessage(MicroVm.GetInfo.class, m -> { m.replyTo().tell(info()); return Behaviors.same(); })
                    .onMessage(MicroVm.Start.class, m -> {
                        if (throwOnStart) throw new IllegalStateException("test: VM actor bug");
                        java.util.concurrent.CompletableFuture<Void> gate = launcher.startGates.get(spec.id());
                        if (gate != null && !gate.isDone()) {
                            // the build is still under way: the same Start comes back once the test opens the gate
                            if (state != VmState.STARTING) set(VmState.STARTING);
                            ctx.pipeToSelf(gate, (ok, err) -> m);
                            return Behaviors.same();
                        }
                        set(VmState.STARTING);
                        if (failToBuild) {
                            end(EndReason.of(EndReason.Kind.VMM_ERROR, "cannot build: test failure"));
                            m.replyTo().tell(StatusReply.error("build failed"));
                            return ended();
                        }
                        set(VmState.RUNNING);
                        m.replyTo().tell(StatusReply.success(info()));
                        bootMs = 1.5;
                        set(VmState.RUNNING);
                        return live();
                    })
                    .onMessage(MicroVm.Stop.class, m -> {
                        end(m.reason());
                        reply(m.replyTo());
                        return ended();
                    })
                    .build();
        }

        Behavior<MicroVm.Command> live() {
            return Behaviors.receive(MicroVm.Command.class)
                    .onMessage(MicroVm.Subscribe.class, this::subscribe)
                    .onMessage(MicroVm.GetInfo.class, m -> { m.replyTo().tell(info()); return Behaviors.same(); })
                    .onMessage(MicroVm.Pause.class, m -> { set(VmState.PAUSED); reply(m.replyTo()); return Behaviors.same(); })
                    .onMessage(MicroVm.Resume.class, m -> { set(VmState.RUNNING); reply(m.replyTo()); return Behaviors.same(); })
                    .onMessage(MicroVm.UpdateDevice.class, m -> {
                        launcher.deviceUpdates.add(m);
                        if (launcher.holdDeviceUpdates) launcher.heldDeviceUpdates.add(m.replyTo());
                        else m.replyTo().tell(StatusReply.success(Done.getInstance()));
                        return Behaviors.same();
                    })
                    .onMessage(MicroVm.SendCtrlAltDel.class, m -> {
                        m.replyTo().tell(StatusReply.success(Done.getInstance()));
                        end(EndReason.of(EndReason.Kind.RESET, "i8042 reset"));
                        return ended();
                    })
                    .onMessage(MicroVm.Stop.class, m -> {
                        end(m.reason());
                        reply(m.replyTo());
                        return ended();
                    })
                    .build();
        }

        Behavior<MicroVm.Command> ended() {
            return Behaviors.receive(MicroVm.Command.class)
                    .onMessage(MicroVm.Subscribe.class, this::subscribe)
                    .onMessage(MicroVm.Stop.class, m -> { reply(m.replyTo()); return Behaviors.same(); })
                    .onMessage(MicroVm.Command.class, m -> Behaviors.same())
                    .build();
        }

        private Behavior<MicroVm.Command> subscribe(MicroVm.Subscribe m) {
            subscribers.add(m.subscriber());
            m.subscriber().tell(info());
            return Behaviors.same();
        }

        private void reply(ActorRef<StatusReply<VmInfo>> to) {
            if (to != null) to.tell(StatusReply.success(info()));
        }
    }
}
