package dev.flotilla.vm;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.BehaviorBuilder;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.pattern.StatusReply;
import dev.flotilla.vm.devices.DeviceUpdate;
import dev.flotilla.vm.devices.VirtioDeviceActor;
import dev.flotilla.vm.vcpu.Vcpu;
import dev.flotilla.vm.vcpu.VcpuLoop;
import dev.flotilla.vm.vcpu.VcpuRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * One microVM: configuring → starting → running ⇄ paused → stopped | failed. Each phase is a behavior
 * that refuses what does not belong to it. Building the VM (mmap, kernel file, tables) and releasing it
 * run on the blocking dispatcher; each vCPU is a {@link Vcpu} child with its own platform thread. Any
 * end — guest reset, power-off, triple fault, emulation failure, user stop — goes through
 * {@link #stopping}: every vCPU leaves KVM_RUN and closes its fd, then the VM fd and guest RAM are
 * released, and only then is the VM reported ended. One VM's failure never escapes this actor.
 * <p>Pause and Resume: the last request wins, and every answer is true when sent. A Pause sent to a
 * running VM moves it towards paused; it is answered (success, state PAUSED) once every vCPU has answered
 * that it is parked. A Resume that arrives before then supersedes it: the VM goes back towards running, the
 * Pause is answered with a failure saying it was superseded by a later Resume, and the Resume is answered
 * (success, state RUNNING) once every vCPU runs again. The same holds the other way round. Requests for
 * where the VM is already going wait for the same answer; a Pause of a paused VM or a Resume of a running
 * one is answered at once with the current state (as Firecracker answers 204). While a transition is
 * under way, GetInfo shows the state the VM is leaving. A Stop (or the guest's end) ends either transition:
 * its waiting requests are answered with a failure saying the VM is stopping.
 */
public final class MicroVm extends AbstractBehavior<MicroVm.Command> {

    public static final String BLOCKING_DISPATCHER = "flotilla.vm-blocking-dispatcher";
    /** Teardown waits in the kernel (closing a VM fd: 5-75 ms here) and must not hold up builds in a burst. */
    public static final String RELEASE_DISPATCHER = "flotilla.vm-release-dispatcher";

    public sealed interface Command permits Start, Pause, Resume, Stop, SendCtrlAltDel, GetInfo, Subscribe,
            UpdateDevice, GetDeviceMetrics, GetBalloonStatistics, GetVcpuExits, Built, BuildFailed, VcpuReport,
            GuestReset, BootTimerFired, Released {}

    public record Start(ActorRef<StatusReply<VmInfo>> replyTo) implements Command {}
    public record Pause(ActorRef<StatusReply<VmInfo>> replyTo) implements Command {}
    public record Resume(ActorRef<StatusReply<VmInfo>> replyTo) implements Command {}
    /** Ends the VM; replies once every native resource is released. */
    public record Stop(EndReason reason, ActorRef<StatusReply<VmInfo>> replyTo) implements Command {}
    public record SendCtrlAltDel(ActorRef<StatusReply<Done>> replyTo) implements Command {}
    public record GetInfo(ActorRef<VmInfo> replyTo) implements Command {}
    /** Sends the current info now and again on every state change. */
    public record Subscribe(ActorRef<VmInfo> subscriber) implements Command {}
    /** A live change to one device (drive_id, iface_id, or the kind for single devices: vsock, entropy, balloon). */
    public record UpdateDevice(String deviceId, DeviceUpdate update, ActorRef<StatusReply<Done>> replyTo) implements Command {}
    /** The balloon's size and the guest's last memory statistics (GET /balloon/statistics). */
    public record GetBalloonStatistics(ActorRef<StatusReply<dev.flotilla.vm.devices.balloon.BalloonStatistics>> replyTo)
            implements Command {}
    /** Counters of every device, one reply per device (an empty list when none or not running). */
    public record GetDeviceMetrics(ActorRef<List<VirtioDeviceActor.DeviceMetrics>> replyTo) implements Command {}
    /** vCPU exits by kind since boot, summed over the vCPUs (all zero before the loops start). */
    public record GetVcpuExits(ActorRef<VcpuExits> replyTo) implements Command {}
    /** Reply to {@link GetVcpuExits}: one count per {@link VcpuLoop.ExitKind}, cumulative. */
    public record VcpuExits(String vmId, java.util.Map<VcpuLoop.ExitKind, Long> counts) {
        public VcpuExits {
            counts = java.util.Map.copyOf(counts);
        }
    }

    private record Built(BuiltVm resources) implements Command {}
    private record BuildFailed(Throwable cause) implements Command {}
    private record VcpuReport(Vcpu.Report report) implements Command {}
    private record GuestReset() implements Command {}
    private record BootTimerFired(long nanoTime) implements Command {}
    private record Released(Throwable error) implements Command {}

    private final String id;
    private final int vcpuCount;
    private final long memMib;
    private final Function<VmHooks, ? extends BuiltVm> builder;
    private final Executor blocking;
    private final Executor releasing;
    private final List<ActorRef<VmInfo>> subscribers = new ArrayList<>();
    private final ActorRef<Vcpu.Report> vcpuReports;

    private VmState state = VmState.CONFIGURING;
    private BuiltVm resources;
    private final List<ActorRef<Vcpu.Command>> vcpus = new ArrayList<>();
    private final List<VcpuRunner> loops = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.Map<String, ActorRef<VirtioDeviceActor.Command>> deviceActors = new java.util.LinkedHashMap<>();
    private int vcpusAlive;
    private final java.util.Set<Integer> exitedVcpus = new java.util.HashSet<>();
    /** vCPU answers (paused or resumed) still due to the Pause and Resume requests sent to the vCPUs. */
    private int answersDue;
    private EndReason endReason;
    private long startNanos;
    private double bootMs = -1;
    private boolean stopRequestedWhileStarting;
    private ActorRef<StatusReply<VmInfo>> pendingStart;
    /** Pause or Resume requests waiting for the transition under way (all of one kind: the last wins). */
    private final List<ActorRef<StatusReply<VmInfo>>> waiting = new ArrayList<>();
    private final List<ActorRef<StatusReply<VmInfo>>> pendingStop = new ArrayList<>();

    /**
     * @param builder builds the VM (runs on the blocking dispatcher); gets the hooks its devices call back
     *                through. The native one returns {@link VmResources}.
     */
    public static Behavior<Command> create(String id, int vcpuCount, long memMib,
                                           Function<VmHooks, ? extends BuiltVm> builder) {
        return Behaviors.setup(ctx -> new MicroVm(ctx, id, vcpuCount, memMib, builder));
    }

    private MicroVm(ActorContext<Command> ctx, String id, int vcpuCount, long memMib,
                    Function<VmHooks, ? extends BuiltVm> builder) {
        super(ctx);
        this.id = id;
        this.vcpuCount = vcpuCount;
        this.memMib = memMib;
        this.builder = builder;
        this.blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(BLOCKING_DISPATCHER));
        this.releasing = ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(RELEASE_DISPATCHER));
        this.vcpuReports = ctx.messageAdapter(Vcpu.Report.class, VcpuReport::new);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Start.class, this::onStart)
                .onMessage(Stop.class, m -> {
                    end(m.reason());
                    m.replyTo().tell(StatusReply.success(info()));
                    return ended();
                })
                .onMessage(GetInfo.class, this::onGetInfo)
                .onMessage(Subscribe.class, this::onSubscribe)
                .onMessage(Command.class, this::refuse)
                .build();
    }

    // ---- phases -----------------------------------------------------------------------------------

    private Behavior<Command> onStart(Start m) {
        startNanos = System.nanoTime();
        pendingStart = m.replyTo();
        setState(VmState.STARTING);
        ActorRef<Command> self = getContext().getSelf();
        VmHooks hooks = new VmHooks() {
            @Override public void guestReset() { self.tell(new GuestReset()); }
            @Override public void bootTimerFired(long nanoTime) { self.tell(new BootTimerFired(nanoTime)); }
        };
        CompletableFuture.<BuiltVm>supplyAsync(() -> builder.apply(hooks), blocking)
                .whenComplete((res, err) -> self.tell(err == null ? new Built(res) : new BuildFailed(unwrap(err))));
        return starting();
    }

    private Behavior<Command> starting() {
        return common(Behaviors.receive(Command.class))
                .onMessage(Built.class, this::onBuilt)
                .onMessage(BuildFailed.class, m -> {
                    end(EndReason.ofBuildFailure(m.cause()));
                    replyStart(StatusReply.error(endReason.toString()));
                    // a Stop that arrived while building: the VM has ended (for the build's reason)
                    pendingStop.forEach(p -> p.tell(StatusReply.success(info())));
                    pendingStop.clear();
                    return ended();
                })
                .onMessage(Stop.class, m -> {
                    stopRequestedWhileStarting = true;
                    endReason = m.reason();
                    pendingStop.add(m.replyTo());
                    return Behaviors.same();
                })
                .onMessage(GuestReset.class, m -> Behaviors.same())
                .onMessage(BootTimerFired.class, this::onBootTimer)
                .onMessage(Command.class, this::refuse)
                .build();
    }

    private Behavior<Command> onBuilt(Built m) {
        resources = m.resources();
        if (stopRequestedWhileStarting) {
            replyStart(StatusReply.error("VM " + id + " was stopped while starting"));
            return beginStopping(endReason);
        }
        for (int i = 0; i < resources.vcpuCount(); i++) {
            final int index = i;
            Function<dev.flotilla.vm.vcpu.VcpuEvents, VcpuRunner> loop = events -> {
                VcpuRunner l = resources.vcpuRunner(id, index, events);
                loops.add(l);
                return l;
            };
            vcpus.add(getContext().spawn(Vcpu.create(index, loop, vcpuReports), "vcpu-" + index));
        }
        vcpusAlive = vcpus.size();
        for (AttachedDevice d : resources.devices()) {
            deviceActors.put(d.id(), getContext().spawn(VirtioDeviceActor.create(id, d), "device-" + d.kind() + "-" + d.id()));
        }
        setState(VmState.RUNNING);
        getContext().getLog().atInfo().addKeyValue("vm", id).addKeyValue("vcpus", vcpus.size())
                .addKeyValue("setup_ms", (System.nanoTime() - startNanos) / 1e6)
                .log("microVM {} running: {}", id, resources.bootSummary());
        replyStart(StatusReply.success(info()));
        return running();
    }

    private Behavior<Command> running() {
        return common(Behaviors.receive(Command.class))
                .onMessage(Pause.class, m -> beginTransition(VmState.PAUSED, m.replyTo()))
                .onMessage(Resume.class, m -> {
                    m.replyTo().tell(StatusReply.success(info()));   // already running: Firecracker answers 204
                    return Behaviors.same();
                })
                .onMessage(VcpuReport.class, this::onVcpuReport)
                .onMessage(Command.class, this::liveCommand)
                .build();
    }

    private Behavior<Command> paused() {
        return common(Behaviors.receive(Command.class))
                .onMessage(Pause.class, m -> {
                    m.replyTo().tell(StatusReply.success(info()));
                    return Behaviors.same();
                })
                .onMessage(Resume.class, m -> beginTransition(VmState.RUNNING, m.replyTo()))
                .onMessage(VcpuReport.class, this::onVcpuReport)
                .onMessage(Command.class, this::liveCommand)
                .build();
    }

    /**
     * Pausing (target PAUSED) or resuming (target RUNNING): the vCPUs have been asked and not all have
     * answered. The state shown stays the one the VM is leaving until every vCPU has.
     */
    private Behavior<Command> transition(VmState target) {
        return common(Behaviors.receive(Command.class))
                .onMessage(Pause.class, m -> target == VmState.PAUSED ? await(m.replyTo())
                        : beginTransition(VmState.PAUSED, m.replyTo()))
                .onMessage(Resume.class, m -> target == VmState.RUNNING ? await(m.replyTo())
                        : beginTransition(VmState.RUNNING, m.replyTo()))
                .onMessage(VcpuReport.class, r -> onTransitionReport(target, r))
                .onMessage(Command.class, this::liveCommand)
                .build();
    }

    /** Sends every vCPU towards {@code target}; requests waiting to go the other way are superseded. */
    private Behavior<Command> beginTransition(VmState target, ActorRef<StatusReply<VmInfo>> replyTo) {
        String request = target == VmState.PAUSED ? "Pause" : "Resume";
        String earlier = target == VmState.PAUSED ? "Resume" : "Pause";
        failPending(waiting, earlier + " of VM " + id + " was superseded by a later " + request
                + " (the last request wins)");
        waiting.add(replyTo);
        // each vCPU answers every request once, in order: when none is due, all did what the last one said
        answersDue += vcpus.size();
        vcpus.forEach(v -> v.tell(target == VmState.PAUSED ? new Vcpu.Pause() : new Vcpu.Resume()));
        return transition(target);
    }

    private Behavior<Command> await(ActorRef<StatusReply<VmInfo>> replyTo) {
        waiting.add(replyTo);
        return Behaviors.same();
    }

    private Behavior<Command> onTransitionReport(VmState target, VcpuReport r) {
        if (!(r.report() instanceof Vcpu.Paused || r.report() instanceof Vcpu.Resumed)) return onVcpuReport(r);
        if (--answersDue > 0) return Behaviors.same();
        setState(target);
        waiting.forEach(p -> p.tell(StatusReply.success(info())));
        waiting.clear();
        return target == VmState.PAUSED ? paused() : running();
    }

    /** Messages valid while the guest is live (running or paused). */
    private Behavior<Command> liveCommand(Command c) {
        if (c instanceof Stop m) {
            pendingStop.add(m.replyTo());
            return beginStopping(m.reason());
        }
        if (c instanceof GuestReset) {
            return beginStopping(EndReason.of(EndReason.Kind.RESET, "i8042 reset"));
        }
        if (c instanceof BootTimerFired m) {
            return onBootTimer(m);
        }
        if (c instanceof UpdateDevice m) {
            ActorRef<VirtioDeviceActor.Command> d = deviceActors.get(m.deviceId());
            if (d == null) {
                m.replyTo().tell(StatusReply.error(new dev.flotilla.vm.config.InvalidConfigException("device",
                        "VM " + id + " has no device '" + m.deviceId() + "'")));
            } else {
                d.tell(new VirtioDeviceActor.Update(m.update(), m.replyTo()));
            }
            return Behaviors.same();
        }
        if (c instanceof GetDeviceMetrics m) {
            collectDeviceMetrics(m.replyTo());
            return Behaviors.same();
        }
        if (c instanceof GetBalloonStatistics m) {
            var balloon = resources.devices().stream()
                    .filter(d -> d.device() instanceof dev.flotilla.vm.devices.balloon.VirtioBalloon).findFirst();
            if (balloon.isEmpty()) {
                m.replyTo().tell(StatusReply.error("VM " + id + " has no balloon device"));
            } else {
                var stats = ((dev.flotilla.vm.devices.balloon.VirtioBalloon) balloon.get().device()).statistics();
                if (stats.isPresent()) m.replyTo().tell(StatusReply.success(stats.get()));
                else m.replyTo().tell(StatusReply.error("VM " + id + ": balloon statistics are off "
                        + "(stats_polling_interval_s is 0) or the guest has not reported any yet"));
            }
            return Behaviors.same();
        }
        if (c instanceof GetVcpuExits m) {
            m.replyTo().tell(vcpuExits());
            return Behaviors.same();
        }
        if (c instanceof SendCtrlAltDel m) {
            if (state != VmState.RUNNING) {
                m.replyTo().tell(StatusReply.error("VM " + id + " is " + state.name().toLowerCase()
                        + "; resume it before sending Ctrl-Alt-Del"));
            } else if (!resources.i8042().sendCtrlAltDel()) {
                // the guest has not read the keys sent before; dropping these silently would lie (Firecracker
                // answers InternalBufferFull too)
                m.replyTo().tell(StatusReply.error("cannot send Ctrl-Alt-Del to VM " + id + ": its i8042 output "
                        + "buffer is full (the guest has not read the keys sent before); try again once it has"));
            } else {
                m.replyTo().tell(StatusReply.ack());
            }
            return Behaviors.same();
        }
        return refuse(c);
    }

    private Behavior<Command> onVcpuReport(VcpuReport r) {
        Vcpu.Report report = r.report();
        // paused and resumed answers are counted only while a transition waits for them
        if (report instanceof Vcpu.GuestEnded g) {
            return beginStopping(g.reason());
        } else if (report instanceof Vcpu.Exited) {
            exitedVcpus.add(report.index());
            // a loop that exits on its own has reported GuestEnded first
            vcpusAlive--;
            return beginStopping(EndReason.of(EndReason.Kind.VMM_ERROR, "vCPU " + report.index() + " exited"));
        }
        return Behaviors.same();
    }

    private Behavior<Command> beginStopping(EndReason reason) {
        if (endReason == null || !stopRequestedWhileStarting) endReason = reason;
        stopRequestedWhileStarting = false;
        setState(VmState.STOPPING);
        getContext().getLog().atInfo().addKeyValue("vm", id).addKeyValue("reason", endReason.kind().label())
                .log("microVM {} stopping: {}", id, endReason);
        // only to loops still running: an exited vCPU's actor is gone (no dead letters for each guest reset)
        for (int i = 0; i < vcpus.size(); i++) if (!exitedVcpus.contains(i)) vcpus.get(i).tell(new Vcpu.Stop());
        failPending(waiting, "VM " + id + " is stopping");
        return vcpusAlive == 0 ? release() : stopping();
    }

    private Behavior<Command> stopping() {
        return common(Behaviors.receive(Command.class))
                .onMessage(VcpuReport.class, r -> {
                    if (r.report() instanceof Vcpu.Exited) exitedVcpus.add(r.report().index());
                    if (r.report() instanceof Vcpu.Exited && --vcpusAlive == 0) return release();
                    return Behaviors.same();
                })
                .onMessage(Stop.class, m -> { pendingStop.add(m.replyTo()); return Behaviors.same(); })
                .onMessage(BootTimerFired.class, this::onBootTimer)
                .onMessage(GuestReset.class, m -> Behaviors.same())
                .onMessage(Command.class, this::refuse)
                .build();
    }

    /** Every vCPU has left KVM_RUN: release the VM fd and RAM off the dispatcher. */
    private Behavior<Command> release() {
        ActorRef<Command> self = getContext().getSelf();
        BuiltVm res = resources;
        resources = null;
        if (res == null) {
            self.tell(new Released(null));
        } else {
            CompletableFuture.runAsync(res::close, releasing)
                    .whenComplete((v, err) -> self.tell(new Released(err == null ? null : unwrap(err))));
        }
        return common(Behaviors.receive(Command.class))
                .onMessage(Released.class, m -> {
                    if (m.error() != null) {
                        getContext().getLog().atWarn().addKeyValue("vm", id)
                                .log("releasing microVM {} failed: {}", id, m.error().toString());
                    }
                    end(endReason);
                    pendingStop.forEach(p -> p.tell(StatusReply.success(info())));
                    pendingStop.clear();
                    return ended();
                })
                .onMessage(Stop.class, m -> { pendingStop.add(m.replyTo()); return Behaviors.same(); })
                // refuse() ignores late vCPU reports and device hooks and answers a user's command: none goes unanswered
                .onMessage(Command.class, this::refuse)
                .build();
    }

    private Behavior<Command> ended() {
        return common(Behaviors.receive(Command.class))
                .onMessage(Stop.class, m -> { m.replyTo().tell(StatusReply.success(info())); return Behaviors.same(); })
                .onMessage(Command.class, this::refuse)
                .build();
    }

    // ---- shared handlers --------------------------------------------------------------------------

    private BehaviorBuilder<Command> common(BehaviorBuilder<Command> b) {
        return b.onMessage(GetInfo.class, this::onGetInfo)
                .onMessage(Subscribe.class, this::onSubscribe)
                .onSignal(PostStop.class, s -> onPostStop());
    }

    private Behavior<Command> onGetInfo(GetInfo m) {
        m.replyTo().tell(info());
        return Behaviors.same();
    }

    private Behavior<Command> onSubscribe(Subscribe m) {
        subscribers.add(m.subscriber());
        m.subscriber().tell(info());
        return Behaviors.same();
    }

    private Behavior<Command> onBootTimer(BootTimerFired m) {
        if (bootMs < 0) {
            bootMs = (m.nanoTime() - startNanos) / 1e6;
            getContext().getLog().atInfo().addKeyValue("vm", id).addKeyValue("boot_ms", bootMs)
                    .log("microVM {} guest booted in {} ms", id, String.format("%.2f", bootMs));
            publish();
        }
        return Behaviors.same();
    }

    private void collectDeviceMetrics(ActorRef<List<VirtioDeviceActor.DeviceMetrics>> replyTo) {
        List<ActorRef<VirtioDeviceActor.Command>> targets = List.copyOf(deviceActors.values());
        if (targets.isEmpty()) {
            replyTo.tell(List.of());
            return;
        }
        // a short-lived aggregator: one reply per device, or what arrived within a second
        getContext().spawnAnonymous(Behaviors.<Object>setup(ctx -> {
            List<VirtioDeviceActor.DeviceMetrics> got = new ArrayList<>();
            ActorRef<VirtioDeviceActor.DeviceMetrics> me = ctx.getSelf().narrow();
            targets.forEach(t -> t.tell(new VirtioDeviceActor.GetMetrics(me)));
            ctx.scheduleOnce(java.time.Duration.ofSeconds(1), ctx.getSelf(), "timeout");
            return Behaviors.receive(Object.class)
                    .onMessage(VirtioDeviceActor.DeviceMetrics.class, dm -> {
                        got.add(dm);
                        if (got.size() < targets.size()) return Behaviors.same();
                        replyTo.tell(List.copyOf(got));
                        return Behaviors.stopped();
                    })
                    .onMessageEquals("timeout", () -> {
                        replyTo.tell(List.copyOf(got));
                        return Behaviors.stopped();
                    })
                    .build();
        }));
    }

    private VcpuExits vcpuExits() {
        java.util.Map<VcpuLoop.ExitKind, Long> counts = new java.util.EnumMap<>(VcpuLoop.ExitKind.class);
        for (VcpuLoop.ExitKind k : VcpuLoop.ExitKind.values()) {
            long n = 0;
            for (VcpuRunner l : loops) n += l.exitCount(k);
            counts.put(k, n);
        }
        return new VcpuExits(id, counts);
    }

    /** Answers a command the current phase does not take, with what the user can do instead. */
    private Behavior<Command> refuse(Command c) {
        String what = c.getClass().getSimpleName();
        String why = "cannot " + what + ": VM " + id + " is " + state.name().toLowerCase();
        if (c instanceof Start m) m.replyTo().tell(StatusReply.error(why + " (a VM starts once; create a new one)"));
        else if (c instanceof Pause m) m.replyTo().tell(StatusReply.error(why));
        else if (c instanceof Resume m) m.replyTo().tell(StatusReply.error(why));
        else if (c instanceof SendCtrlAltDel m) {
            m.replyTo().tell(StatusReply.error(state == VmState.CONFIGURING ? why + " (start it first)" : why));
        }
        else if (c instanceof UpdateDevice m) m.replyTo().tell(StatusReply.error(why));
        else if (c instanceof GetDeviceMetrics m) m.replyTo().tell(List.of());
        else if (c instanceof GetBalloonStatistics m) m.replyTo().tell(StatusReply.error(why));
        else if (c instanceof GetVcpuExits m) m.replyTo().tell(vcpuExits());
        return Behaviors.same();
    }

    private Behavior<Command> onPostStop() {
        // The actor is going away (system shutdown or parent stop) with the VM possibly still live:
        // stop the loops and wait for them (bounded), so RAM is never unmapped under a running vCPU.
        if (resources != null) {
            loops.forEach(VcpuRunner::requestStop);
            boolean allExited = true;
            for (VcpuRunner l : loops) allExited &= l.awaitExit(java.time.Duration.ofSeconds(2));
            if (allExited) {
                resources.close();
            } else {
                getContext().getLog().atError().addKeyValue("vm", id)
                        .log("microVM {}: a vCPU did not leave KVM_RUN within 2 s; its memory stays mapped", id);
            }
            resources = null;
        }
        return Behaviors.same();
    }

    private void end(EndReason reason) {
        endReason = reason;
        setState(reason.kind().guestInitiated() || reason.kind() == EndReason.Kind.STOPPED
                ? VmState.STOPPED : VmState.FAILED);
    }

    private void setState(VmState s) {
        if (state != s) {
            state = s;
            publish();
        }
    }

    private void publish() {
        VmInfo i = info();
        subscribers.forEach(s -> s.tell(i));
    }

    public VmInfo info() {
        return new VmInfo(id, state, endReason, bootMs, vcpuCount, memMib,
                resources == null ? "" : resources.bootSummary());
    }

    private void replyStart(StatusReply<VmInfo> reply) {
        if (pendingStart != null) {
            pendingStart.tell(reply);
            pendingStart = null;
        }
    }

    private static void failPending(List<ActorRef<StatusReply<VmInfo>>> pending, String why) {
        pending.forEach(p -> p.tell(StatusReply.error(why)));
        pending.clear();
    }

    private static Throwable unwrap(Throwable t) {
        return (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) ? t.getCause() : t;
    }
}
