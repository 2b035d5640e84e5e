package dev.flotilla.fleet;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.pattern.StatusReply;
import dev.flotilla.fleet.FleetException.Kind;
import dev.flotilla.fleet.FleetProtocol.Act;
import dev.flotilla.fleet.FleetProtocol.Configure;
import dev.flotilla.fleet.FleetProtocol.CreateVm;
import dev.flotilla.fleet.FleetProtocol.DeleteVm;
import dev.flotilla.fleet.FleetProtocol.GetHosts;
import dev.flotilla.fleet.FleetProtocol.GetVm;
import dev.flotilla.fleet.FleetProtocol.ListVms;
import dev.flotilla.fleet.FleetProtocol.Subscribe;
import dev.flotilla.fleet.FleetProtocol.Unsubscribe;
import dev.flotilla.fleet.admission.AdmissionLimiter;
import dev.flotilla.fleet.host.HostAgent;
import dev.flotilla.fleet.host.HostReport;
import dev.flotilla.fleet.store.DesiredStateStore;
import dev.flotilla.fleet.store.LoadedState;
import dev.flotilla.fleet.store.StoredVm;
import dev.flotilla.vm.EndReason;
import dev.flotilla.vm.VmInfo;
import dev.flotilla.vm.VmState;
import dev.flotilla.vm.config.InvalidConfigException;
import dev.flotilla.vm.config.VmSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet: admits VM creations (token bucket), places them on hosts, keeps the desired state durable
 * and the registry of VMs, applies restart policies, and streams state changes. See package-info for the
 * rules; {@link FleetProtocol} for what it takes.
 *
 * <p>Start-up: the desired state is loaded first (requests meanwhile are stashed, bounded); every VM that
 * should run is then booted afresh, once, as soon as a host with room has joined.
 */
public final class Fleet extends AbstractBehavior<FleetProtocol.Command> {

    /** Firecracker's wording for a pre-boot-only operation on a started microVM. */
    public static final String NOT_AFTER_START = "The requested operation is not supported after starting the microVM.";
    /** Firecracker's wording for a runtime operation on a microVM not started yet. */
    public static final String NOT_BEFORE_START = "The requested operation is not supported before starting the microVM.";

    /**
     * The detail of the end reason in a deleted VM's last event (state STOPPED, kind STOPPED): the event
     * stream's sign that the VM is gone.
     */
    public static final String DELETED = "deleted";

    /** How long the fleet waits for a MicroVm to answer an action, a live update or a statistics request. */
    static final Duration ACTION_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(Fleet.class);

    private record StartPersisted(String id, boolean creation, Throwable error) implements FleetProtocol.Command {}
    /** The requests waiting for the VM's run to be live have waited {@code answer-start-within}. */
    private record AnswerDue(String id) implements FleetProtocol.Command {}
    /** The store has counted run {@code run}'s start as begun (or failed to): the host may start it. */
    private record StartBegun(String id, long run, VmSpec spec, Throwable error) implements FleetProtocol.Command {}
    private record HostLost(String host, ActorRef<HostAgent.Command> agent) implements FleetProtocol.Command {}

    private final FleetSettings settings;
    private final DesiredStateStore store;
    private final TimerScheduler<FleetProtocol.Command> timers;
    private final LongSupplier nanoClock;
    private final AdmissionLimiter admission;
    private final VmRegistry registry = new VmRegistry();
    private final FleetEvents events;
    private final VmReconfiguration reconfiguration;
    private final VmActions actions;
    private final VmDeletion deletion;
    private final VmRestarts restarts;
    private long noCapacityRefusals;

    public static Behavior<FleetProtocol.Command> create(FleetSettings settings, DesiredStateStore store) {
        return create(settings, store, System::nanoTime);
    }

    /** With an injected clock for admission and run lengths (tests). */
    static Behavior<FleetProtocol.Command> create(FleetSettings settings, DesiredStateStore store, LongSupplier nanoClock) {
        return FleetStartup.create(settings, store, nanoClock);
    }

    Fleet(ActorContext<FleetProtocol.Command> ctx, TimerScheduler<FleetProtocol.Command> timers,
                  FleetSettings settings, DesiredStateStore store, LongSupplier nanoClock) {
        super(ctx);
        this.settings = settings;
        this.store = store;
        this.timers = timers;
        this.nanoClock = nanoClock;
        this.admission = new AdmissionLimiter(settings.admissionRatePerSecond(), settings.admissionBurst(), nanoClock);
        this.events = new FleetEvents(ctx);
        this.reconfiguration = new VmReconfiguration(ctx, store, registry, events);
        this.actions = new VmActions(ctx, registry, events);
        this.deletion = new VmDeletion(ctx, timers, store, registry, events, this::placeWaiting);
        this.restarts = new VmRestarts(ctx, timers, store, registry, settings.restart(), nanoClock, this::placeAndLaunch);
    }

    @Override
    public Receive<FleetProtocol.Command> createReceive() {
        return newReceiveBuilder()
                // creation, start and the reports of the hosts that run the VMs
                .onMessage(CreateVm.class, this::onCreate)
                .onMessage(Act.class, this::onAct)
                .onMessage(StartPersisted.class, this::onStartPersisted)
                .onMessage(AnswerDue.class, this::onAnswerDue)
                .onMessage(StartBegun.class, this::onStartBegun)
                .onMessage(HostReport.HostJoined.class, this::onHostJoined)
                .onMessage(HostReport.VmChanged.class, this::onVmChanged)
                .onMessage(HostReport.HostMemory.class, m -> { registry.hostMemory(m.host(), m.memory()); return this; })
                .onMessage(HostLost.class, this::onHostLost)
                // queries
                .onMessage(GetVm.class, this::onGetVm)
                .onMessage(ListVms.class, this::onListVms)
                .onMessage(GetHosts.class, m -> { m.replyTo().tell(registry.hostViews()); return this; })
                .onMessage(FleetProtocol.GetStats.class, this::onGetStats)
                // delegated: configuration, runtime actions, deletion, restarts, events
                .onMessage(Configure.class, reconfiguration::onConfigure)
                .onMessage(VmReconfiguration.LiveUpdateApplied.class, reconfiguration::onLiveUpdateApplied)
                .onMessage(VmReconfiguration.ConfigPersisted.class, reconfiguration::onConfigPersisted)
                .onMessage(VmActions.ActDone.class, actions::onActDone)
                .onMessage(FleetProtocol.GetBalloonStats.class, actions::onBalloonStats)
                .onMessage(VmActions.BalloonStatsAnswered.class, actions::onBalloonStatsAnswered)
                .onMessage(DeleteVm.class, deletion::onDelete)
                .onMessage(VmDeletion.DeletePersisted.class, deletion::onDeletePersisted)
                .onMessage(VmRestarts.RestartDue.class, restarts::onRestartDue)
                .onMessage(VmRestarts.ShouldRunPersisted.class, restarts::onShouldRunPersisted)
                .onMessage(Subscribe.class, events::onSubscribe)
                .onMessage(Unsubscribe.class, events::onUnsubscribe)
                .onMessage(FleetEvents.SubscriberGone.class, events::onSubscriberGone)
                .build();
    }

    // ---- start-up ----------------------------------------------------------------------------------

    /**
     * Registers every stored VM and boots those that should run (once a host with room is there) — except a
     * VM whose last starts never settled because the daemon died during each: after
     * {@code max-interrupted-starts} of those in a row it is recorded as failed, not started again.
     */
    void recover(LoadedState state) {
        state.unreadable().forEach(u -> getContext().getLog().error(
                "desired-state store {}: row left untouched, not loaded: {}", store.file(), u));
        int toBoot = 0;
        for (StoredVm s : state.vms()) {
            VmEntry e = new VmEntry(s.definition(), s.createdAt());
            e.started = s.started() || s.shouldRun();
            e.shouldRun = s.shouldRun();
            e.restarts = s.restarts();
            s.creation().ifPresent(c -> registry.creations.remember(e, c.fingerprint(), c.idempotencyKey()));
            Optional<String> failure = s.failure();
            if (e.shouldRun && s.interruptedStarts() >= settings.maxInterruptedStarts()) {
                String why = "not started again: the daemon died during each of its last " + s.interruptedStarts()
                        + " starts (killed, out of memory or crashed while building or booting this VM); check the "
                        + "daemon's log and this VM's configuration, then DELETE it and create it again";
                getContext().getLog().error("VM {}: {}", e.id(), why);
                e.shouldRun = false;
                failure = Optional.of(why);
                String id = e.id();
                store.giveUp(id, why).whenComplete((ok, err) -> {
                    if (err != null) LOG.error("VM {}: recording that it should no longer run failed: {}", id, err.getMessage());
                });
            } else if (e.shouldRun && s.interruptedStarts() > 0) {
                getContext().getLog().warn("VM {}: the daemon died during its last start ({} of {} allowed in a row); "
                        + "starting it again", e.id(), s.interruptedStarts(), settings.maxInterruptedStarts());
            }
            if (e.started && !e.shouldRun) {
                e.state = failure.isPresent() ? VmState.FAILED : VmState.STOPPED;
                e.endReason = failure.map(f -> EndReason.of(EndReason.Kind.VMM_ERROR, f)).orElse(null);
            }
            registry.add(e);
            if (e.shouldRun) {
                toBoot++;
                placeAndLaunch(e);
            }
        }
        getContext().getLog().info("fleet loaded {} VM definition(s) from {}; booting {} that should run",
                state.vms().size(), store.file(), toBoot);
    }

    // ---- creation and start ----------------------------------------------------------------------

    private Behavior<FleetProtocol.Command> onCreate(CreateVm m) {
        VmDefinition d = m.definition();
        Optional<VmEntry> byKey = m.idempotencyKey().flatMap(registry.creations::vmFor).flatMap(registry::vm);
        if (byKey.isPresent()) return answerRepeat(byKey.get(), m);
        Optional<VmEntry> existing = registry.vm(d.id());
        if (existing.isPresent()) return answerRepeat(existing.get(), m);
        if (!d.bootable()) {
            return FleetRefusals.refuse(m.replyTo(), new FleetException(Kind.INVALID, "VM '" + d.id() + "' has no boot source: "
                    + "a create request needs boot-source with kernel_image_path"));
        }
        VmEntry e = new VmEntry(d, Instant.now());
        Optional<FleetException> refused = admitAndReserve(e);
        if (refused.isPresent()) return FleetRefusals.refuse(m.replyTo(), refused.get());
        e.started = true;
        e.shouldRun = true;
        awaitCreation(e, m.replyTo(), false);
        registry.add(e);
        e.creationPending = true;
        e.startCountedByCreation = true;
        registry.creations.remember(e, d, m.idempotencyKey());
        getContext().pipeToSelf(store.create(d, e.createdAt, m.idempotencyKey()), (ok, err) -> new StartPersisted(d.id(), true, err));
        events.publish(e);
        return this;
    }

    /** A creation whose id or Idempotency-Key names an existing VM: that VM if it repeats its creation, else a conflict. */
    private Behavior<FleetProtocol.Command> answerRepeat(VmEntry e, CreateVm m) {
        if (!e.deleting && CreationRequests.repeats(e, m)) {
            // not durable yet: the repeat gets the first request's outcome, whatever it turns out to be
            if (e.creationPending) awaitCreation(e, m.replyTo(), true);
            else m.replyTo().tell(StatusReply.success(new FleetProtocol.CreateAnswer(e.view(), true)));
            return this;
        }
        boolean sameKey = m.idempotencyKey().isPresent() && e.idempotencyKey.equals(m.idempotencyKey());
        if (e.deleting || !sameKey) {
            if (e.deleting || !CreationRequests.createdByRequest(e)) return FleetRefusals.refuse(m.replyTo(), FleetRefusals.exists(e));
            return FleetRefusals.refuse(m.replyTo(), new FleetException(Kind.CONFLICT, "VM '" + e.id() + "' already exists "
                    + "with another configuration: a repeated creation must send the same body; DELETE /vms/" + e.id()
                    + " first, or choose another id"));
        }
        return FleetRefusals.refuse(m.replyTo(), new FleetException(Kind.CONFLICT, "Idempotency-Key '" + m.idempotencyKey().get()
                + "' was used for another request (it created VM '" + e.id() + "'): repeat that request unchanged, or "
                + "send this one under a new key"));
    }

    private static void awaitCreation(VmEntry e, ActorRef<StatusReply<FleetProtocol.CreateAnswer>> replyTo, boolean repeated) {
        e.awaitingRunning.add(r -> replyTo.tell(r.isSuccess()
                ? StatusReply.success(new FleetProtocol.CreateAnswer(r.getValue(), repeated)) : StatusReply.error(r.getError())));
    }

    /** InstanceStart is the fleet's own (admission, placement); the other actions go to {@link VmActions}. */
    private Behavior<FleetProtocol.Command> onAct(Act m) {
        VmEntry e = registry.vm(m.id()).orElse(null);
        if (e == null) return FleetRefusals.refuse(m.replyTo(), FleetRefusals.notFound(m.id()));
        if (e.deleting) return FleetRefusals.refuse(m.replyTo(), FleetRefusals.exists(e));
        if (m.action() == FleetProtocol.Action.INSTANCE_START) return onInstanceStart(e, m.replyTo());
        return actions.onAct(e, m);
    }

    private Behavior<FleetProtocol.Command> onInstanceStart(VmEntry e, ActorRef<StatusReply<VmView>> replyTo) {
        if (e.started) return FleetRefusals.refuse(replyTo, new FleetException(Kind.NOT_ALLOWED_IN_STATE, NOT_AFTER_START));
        if (!e.definition.bootable()) {
            return FleetRefusals.refuse(replyTo, new FleetException(Kind.INVALID, "Cannot start VM '" + e.id() + "': it has no boot "
                    + "source. PUT /vms/" + e.id() + "/boot-source with a kernel_image_path first."));
        }
        Optional<FleetException> refused = admitAndReserve(e);
        if (refused.isPresent()) return FleetRefusals.refuse(replyTo, refused.get());
        e.started = true;
        e.shouldRun = true;
        e.awaitRunning(replyTo);
        String id = e.id();
        getContext().pipeToSelf(store.put(e.definition, true, e.createdAt), (ok, err) -> new StartPersisted(id, false, err));
        return this;
    }

    /** Admission, then placement; a token taken by a creation that cannot be placed is given back. */
    private Optional<FleetException> admitAndReserve(VmEntry e) {
        AdmissionLimiter.Decision decision = admission.tryAdmit();
        if (!decision.admitted()) {
            return Optional.of(new FleetException(Kind.RATE_LIMITED, "VM creation rate limit reached ("
                    + settings.admissionRatePerSecond() + "/s, burst " + settings.admissionBurst() + "): retry after "
                    + Math.max(1, decision.retryAfter().toMillis()) + " ms", decision.retryAfter()));
        }
        Optional<String> noRoom = registry.reserve(e, settings.placement());
        if (noRoom.isPresent()) {
            admission.refund();
            noCapacityRefusals++;
            return Optional.of(new FleetException(Kind.NO_CAPACITY, noRoom.get()));
        }
        return Optional.empty();
    }

    private Behavior<FleetProtocol.Command> onStartPersisted(StartPersisted m) {
        VmEntry e = registry.vm(m.id()).orElse(null);
        if (e == null) return this;
        e.creationPending = false;
        if (e.deleting) return this;
        if (m.error() != null) {
            FleetException why = new FleetException(Kind.INTERNAL, "VM '" + m.id() + "' was not "
                    + (m.creation() ? "created" : "started") + ": saving its desired state failed: "
                    + m.error().getMessage());
            e.answerAwaitingRunning(StatusReply.error(why));
            if (m.creation()) {
                registry.remove(e);
            } else {
                registry.release(e);
                e.started = false;
                e.shouldRun = false;
            }
            events.publish(e);
            return this;
        }
        launch(e);
        if (!e.awaitingRunning.isEmpty()) {
            timers.startSingleTimer(e.startTimerKey(), new AnswerDue(e.id()), settings.answerStartWithin());
        }
        return this;
    }

    /**
     * The start has outlasted {@code answer-start-within}: whoever waits is answered with the VM as it is
     * (durable, STARTING), never with an error — the VM keeps starting and GET /vms/{id} follows it.
     */
    private Behavior<FleetProtocol.Command> onAnswerDue(AnswerDue m) {
        registry.vm(m.id()).filter(e -> !e.deleting).ifPresent(e -> e.answerAwaitingRunning(StatusReply.success(e.view())));
        return this;
    }

    /** For restarts and recovery: no admission (not a user creation), placed now or when room appears. */
    private void placeAndLaunch(VmEntry e) {
        if (!e.reserved() && registry.reserve(e, settings.placement()).isPresent()) {
            if (!e.awaitingPlacement && !registry.hostViews().isEmpty()) {   // no host yet (start-up): not news
                getContext().getLog().info("VM {} waits for a host with room for {} vCPU(s) and {} MiB", e.id(),
                        e.definition.machineConfig().vcpuCount(), e.definition.machineConfig().memSizeMib());
            }
            e.awaitingPlacement = true;
            e.state = VmState.STARTING;
            events.publish(e);
            return;
        }
        e.awaitingPlacement = false;
        launch(e);
    }

    /** Starts a new run on the reserved host (re-placing if that host has gone). */
    private void launch(VmEntry e) {
        Optional<HostSlot> host = registry.host(e.host);
        if (host.isEmpty()) {
            registry.release(e);
            placeAndLaunch(e);
            return;
        }
        VmSpec spec;
        try {
            spec = e.definition.toSpec();
        } catch (InvalidConfigException ex) {
            registry.release(e);
            e.state = VmState.FAILED;
            e.endReason = EndReason.of(EndReason.Kind.VMM_ERROR, ex.getMessage());
            e.answerAwaitingRunning(StatusReply.error(new FleetException(Kind.INVALID, ex.getMessage())));
            events.publish(e);
            return;
        }
        e.run++;
        e.state = VmState.STARTING;
        e.endReason = null;
        e.bootMs = -1;
        e.vm = null;
        e.runStartedNanos = nanoClock.getAsLong();
        // the start is counted durably before it begins: a start that takes the daemon down is not retried forever
        e.startUnsettled = true;
        if (e.startCountedByCreation) {
            // the creation's row already counts its first start: no second write before the boot
            e.startCountedByCreation = false;
            host.get().agent.tell(new HostAgent.StartVm(e.id(), e.run, spec));
            events.publish(e);
            return;
        }
        e.startPending = true;
        String id = e.id();
        long run = e.run;
        getContext().pipeToSelf(store.startBegun(id, e.restarts), (ok, err) -> new StartBegun(id, run, spec, err));
        events.publish(e);
    }

    private Behavior<FleetProtocol.Command> onStartBegun(StartBegun m) {
        VmEntry e = registry.vm(m.id()).orElse(null);
        if (e == null || e.run != m.run() || !e.startPending) return this;   // ended meanwhile (host lost, deleted)
        e.startPending = false;
        if (m.error() != null) {
            getContext().getLog().warn("VM {}: counting its start in the store failed ({}); starting it anyway",
                    e.id(), m.error().getMessage());
        }
        if (e.deleting) {
            e.state = VmState.STOPPED;
            e.endReason = EndReason.of(EndReason.Kind.STOPPED, DELETED);
            runEnded(e);
            return this;
        }
        Optional<HostSlot> host = registry.host(e.host);
        if (host.isEmpty()) {
            registry.release(e);
            placeAndLaunch(e);
            return this;
        }
        host.get().agent.tell(new HostAgent.StartVm(e.id(), e.run, m.spec()));
        return this;
    }

    /** The current run's start has settled (live, or ended with the daemon still up): it no longer counts. */
    private void startSettled(VmEntry e) {
        if (!e.startUnsettled) return;
        e.startUnsettled = false;
        String id = e.id();
        store.startSettled(id).whenComplete((ok, err) -> {
            if (err != null) LOG.warn("VM {}: recording that its start settled failed: {}", id, err.getMessage());
        });
    }

    // ---- reports from hosts ----------------------------------------------------------------------

    private Behavior<FleetProtocol.Command> onHostJoined(HostReport.HostJoined m) {
        Optional<HostSlot> old = registry.host(m.host());
        if (old.isPresent() && !old.get().agent.equals(m.agent())) {
            onHostLost(new HostLost(m.host(), old.get().agent));
        }
        registry.addHost(new HostSlot(m.host(), m.agent(), m.capacity(), m.kvmFlavour()));
        getContext().watchWith(m.agent(), new HostLost(m.host(), m.agent()));
        getContext().getLog().info("host {} joined: {} vCPU(s), {} MiB (over-commit applied; MemTotal {} MiB, {} MiB "
                + "reserved, {} MiB charged per VM on top of its RAM), KVM {}", m.host(), m.capacity().vcpus(),
                m.capacity().memMib(), m.capacity().memTotalMib(), m.capacity().memReserveMib(),
                m.capacity().vmOverheadMib(), m.kvmFlavour());
        placeWaiting();
        return this;
    }

    private Behavior<FleetProtocol.Command> onHostLost(HostLost m) {
        Optional<HostSlot> slot = registry.host(m.host());
        if (slot.isEmpty() || !slot.get().agent.equals(m.agent())) return this;
        getContext().getLog().warn("host {} left the fleet; its VMs count as failed", m.host());
        registry.removeHost(m.host());   // first, so nothing is placed on it again below
        for (VmEntry e : new ArrayList<>(registry.vms())) {
            if (!m.host().equals(e.host)) continue;
            if (e.state == VmState.CONFIGURING) {
                registry.release(e);   // reserved, not launched: launch() places it again
            } else if (!e.state.terminal()) {
                e.state = VmState.FAILED;
                e.endReason = EndReason.of(EndReason.Kind.VMM_ERROR, "host " + m.host() + " left the fleet");
                runEnded(e);
                events.publish(e);
            }
        }
        return this;
    }

    private Behavior<FleetProtocol.Command> onVmChanged(HostReport.VmChanged m) {
        VmEntry e = registry.vm(m.id()).orElse(null);
        VmInfo info = m.info();
        if (e == null || e.run != m.run() || e.state.terminal()) return this;   // a stale run, or already ended
        if (m.vm() != null) e.vm = m.vm();
        if (info.state() == VmState.CONFIGURING) return this;   // the subscription's first snapshot
        boolean changed = e.state != info.state() || e.bootMs != info.bootMs();
        e.state = info.state();
        e.bootMs = info.bootMs();
        if (info.ended()) {
            e.endReason = info.endReason();
            runEnded(e);
        } else if (e.live()) {
            timers.cancel(e.startTimerKey());
            startSettled(e);
            e.answerAwaitingRunning(StatusReply.success(e.view()));
        }
        if (changed && !e.deleting) events.publish(e);   // a deleted VM's end is published once, by VmDeletion
        return this;
    }

    /** The current run has ended: free its room, answer whoever waits, then delete or apply the restart policy. */
    private void runEnded(VmEntry e) {
        timers.cancel(e.startTimerKey());
        e.startPending = false;
        startSettled(e);
        e.vm = null;
        registry.release(e);
        // A build refused for the user's own input (a swapped or wrong file, a bad image) is theirs to fix: 400.
        Kind why = e.endReason != null && e.endReason.kind() == EndReason.Kind.INVALID_CONFIG ? Kind.INVALID : Kind.INTERNAL;
        e.answerAwaitingRunning(StatusReply.error(new FleetException(why, "VM '" + e.id()
                + "' ended before it ran: " + e.endReason + "; see GET /vms/" + e.id())));
        if (e.deleting) {
            deletion.runEnded(e);
        } else if (e.shouldRun) {
            restarts.runEnded(e);
        }
        placeWaiting();
    }

    /** Capacity appeared (a host joined, a run ended): place the VMs waiting for it, in id order. */
    private void placeWaiting() {
        for (VmEntry e : new ArrayList<>(registry.vms())) {
            if (e.awaitingPlacement && !e.deleting) {
                if (registry.reserve(e, settings.placement()).isPresent()) continue;
                e.awaitingPlacement = false;
                launch(e);
            }
        }
    }

    // ---- queries -----------------------------------------------------------------------------------

    private Behavior<FleetProtocol.Command> onGetVm(GetVm m) {
        m.replyTo().tell(registry.vm(m.id()).map(VmEntry::view));
        return this;
    }

    private Behavior<FleetProtocol.Command> onListVms(ListVms m) {
        m.replyTo().tell(registry.list(m.state(), m.labels(), m.offset(), m.limit()));
        return this;
    }

    private Behavior<FleetProtocol.Command> onGetStats(FleetProtocol.GetStats m) {
        java.util.EnumMap<VmState, Integer> byState = new java.util.EnumMap<>(VmState.class);
        for (VmState s : VmState.values()) byState.put(s, 0);
        registry.vms().forEach(e -> byState.merge(e.state, 1, Integer::sum));
        m.replyTo().tell(new FleetStats(admission.admittedCount(), admission.rejectedCount(), noCapacityRefusals, byState,
                registry.hostViews().size(), store.stats()));
        return this;
    }
}
