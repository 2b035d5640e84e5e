package dev.flotilla.fleet;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
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
import dev.flotilla.fleet.restart.RestartDecision;
import dev.flotilla.fleet.restart.RestartRules;
import dev.flotilla.fleet.store.DesiredStateStore;
import dev.flotilla.fleet.store.LoadedState;
import dev.flotilla.fleet.store.StoredVm;
import dev.flotilla.vm.EndReason;
import dev.flotilla.vm.MicroVm;
import dev.flotilla.vm.VmInfo;
import dev.flotilla.vm.VmState;
import dev.flotilla.vm.config.InvalidConfigException;
import dev.flotilla.vm.config.VmSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

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

    private static final Duration ACTION_TIMEOUT = Duration.ofSeconds(10);

    private record StartPersisted(String id, boolean creation, Throwable error) implements FleetProtocol.Command {}
    private record ConfigPersisted(String id, ActorRef<StatusReply<VmView>> replyTo, Throwable error)
            implements FleetProtocol.Command {}
    private record DeletePersisted(String id, Throwable error) implements FleetProtocol.Command {}
    private record LiveUpdateApplied(String id, VmDefinition changed, ActorRef<StatusReply<VmView>> replyTo, Throwable error)
            implements FleetProtocol.Command {}
    private record BalloonStatsAnswered(ActorRef<StatusReply<BalloonStatistics>> replyTo,
                                        dev.flotilla.vm.devices.balloon.BalloonStatistics stats, Throwable error)
            implements FleetProtocol.Command {}
    private record ShouldRunPersisted(String id, Throwable error) implements FleetProtocol.Command {}
    private record RestartDue(String id, long run) implements FleetProtocol.Command {}
    private record StartTimedOut(String id, long run) implements FleetProtocol.Command {}
    private record ActDone(String id, long run, ActorRef<StatusReply<VmView>> replyTo, VmInfo info, Throwable error)
            implements FleetProtocol.Command {}
    private record HostLost(String host, ActorRef<HostAgent.Command> agent) implements FleetProtocol.Command {}
    private record SubscriberGone(ActorRef<VmEvent> subscriber) implements FleetProtocol.Command {}

    private final FleetSettings settings;
    private final DesiredStateStore store;
    private final TimerScheduler<FleetProtocol.Command> timers;
    private final LongSupplier nanoClock;
    private final AdmissionLimiter admission;
    private final VmRegistry registry = new VmRegistry();
    private final Set<ActorRef<VmEvent>> subscribers = new LinkedHashSet<>();
    private long eventSequence;
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
    }

    @Override
    public Receive<FleetProtocol.Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(CreateVm.class, this::onCreate)
                .onMessage(Configure.class, this::onConfigure)
                .onMessage(Act.class, this::onAct)
                .onMessage(GetVm.class, this::onGetVm)
                .onMessage(ListVms.class, this::onListVms)
                .onMessage(DeleteVm.class, this::onDelete)
                .onMessage(GetHosts.class, m -> { m.replyTo().tell(registry.hostViews()); return this; })
                .onMessage(FleetProtocol.GetStats.class, this::onGetStats)
                .onMessage(FleetProtocol.GetBalloonStats.class, this::onBalloonStats)
                .onMessage(Subscribe.class, this::onSubscribe)
                .onMessage(Unsubscribe.class, m -> { dropSubscriber(m.subscriber()); return this; })
                .onMessage(SubscriberGone.class, m -> { dropSubscriber(m.subscriber()); return this; })
                .onMessage(HostReport.HostJoined.class, this::onHostJoined)
                .onMessage(HostReport.VmChanged.class, this::onVmChanged)
                .onMessage(HostLost.class, this::onHostLost)
                .onMessage(StartPersisted.class, this::onStartPersisted)
                .onMessage(ConfigPersisted.class, this::onConfigPersisted)
                .onMessage(LiveUpdateApplied.class, this::onLiveUpdateApplied)
                .onMessage(BalloonStatsAnswered.class, this::onBalloonStatsAnswered)
                .onMessage(DeletePersisted.class, this::onDeletePersisted)
                .onMessage(ShouldRunPersisted.class, this::onShouldRunPersisted)
                .onMessage(RestartDue.class, this::onRestartDue)
                .onMessage(StartTimedOut.class, this::onStartTimedOut)
                .onMessage(ActDone.class, this::onActDone)
                .build();
    }

    // ---- start-up ----------------------------------------------------------------------------------

    /** Registers every stored VM and boots those that should run (once a host with room is there). */
    void recover(LoadedState state) {
        state.unreadable().forEach(u -> getContext().getLog().error(
                "desired-state store {}: row left untouched, not loaded: {}", store.file(), u));
        int toBoot = 0;
        for (StoredVm s : state.vms()) {
            VmEntry e = new VmEntry(s.definition(), Instant.now());
            e.started = s.started() || s.shouldRun();
            e.shouldRun = s.shouldRun();
            if (e.started && !e.shouldRun) e.state = VmState.STOPPED;
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
        Optional<VmEntry> existing = registry.vm(d.id());
        if (existing.isPresent()) {
            return refuse(m.replyTo(), FleetRefusals.exists(existing.get()));
        }
        if (!d.bootable()) {
            return refuse(m.replyTo(), new FleetException(Kind.INVALID, "VM '" + d.id() + "' has no boot source: "
                    + "a create request needs boot-source with kernel_image_path"));
        }
        VmEntry e = new VmEntry(d, Instant.now());
        Optional<FleetException> refused = admitAndReserve(e);
        if (refused.isPresent()) return refuse(m.replyTo(), refused.get());
        e.started = true;
        e.shouldRun = true;
        e.awaitingRunning.add(m.replyTo());
        registry.add(e);
        getContext().pipeToSelf(store.put(d, true), (ok, err) -> new StartPersisted(d.id(), true, err));
        publish(e);
        return this;
    }

    private Behavior<FleetProtocol.Command> onInstanceStart(VmEntry e, ActorRef<StatusReply<VmView>> replyTo) {
        if (e.started) return refuse(replyTo, new FleetException(Kind.NOT_ALLOWED_IN_STATE, NOT_AFTER_START));
        if (!e.definition.bootable()) {
            return refuse(replyTo, new FleetException(Kind.INVALID, "Cannot start VM '" + e.id() + "': it has no boot "
                    + "source. PUT /vms/" + e.id() + "/boot-source with a kernel_image_path first."));
        }
        Optional<FleetException> refused = admitAndReserve(e);
        if (refused.isPresent()) return refuse(replyTo, refused.get());
        e.started = true;
        e.shouldRun = true;
        e.awaitingRunning.add(replyTo);
        String id = e.id();
        getContext().pipeToSelf(store.put(e.definition, true), (ok, err) -> new StartPersisted(id, false, err));
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
        if (e == null || e.deleting) return this;
        if (m.error() != null) {
            FleetException why = new FleetException(Kind.INTERNAL, "VM '" + m.id() + "' was not "
                    + (m.creation() ? "created" : "started") + ": saving its desired state failed: "
                    + m.error().getMessage());
            replyAll(e.awaitingRunning, StatusReply.error(why));
            if (m.creation()) {
                registry.remove(e);
            } else {
                registry.release(e);
                e.started = false;
                e.shouldRun = false;
            }
            publish(e);
            return this;
        }
        launch(e);
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
            publish(e);
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
            replyAll(e.awaitingRunning, StatusReply.error(new FleetException(Kind.INVALID, ex.getMessage())));
            publish(e);
            return;
        }
        e.run++;
        e.state = VmState.STARTING;
        e.endReason = null;
        e.bootMs = -1;
        e.vm = null;
        e.runStartedNanos = nanoClock.getAsLong();
        host.get().agent.tell(new HostAgent.StartVm(e.id(), e.run, spec));
        timers.startSingleTimer(startKey(e), new StartTimedOut(e.id(), e.run), settings.startTimeout());
        publish(e);
    }

    private Behavior<FleetProtocol.Command> onStartTimedOut(StartTimedOut m) {
        registry.vm(m.id()).filter(e -> e.run == m.run() && e.state == VmState.STARTING).ifPresent(e ->
                replyAll(e.awaitingRunning, StatusReply.error(new FleetException(Kind.INTERNAL, "VM '" + e.id()
                        + "' is not running " + settings.startTimeout().toSeconds() + " s after its start: the host is "
                        + "overloaded or the build hangs; watch GET /vms/" + e.id() + " or DELETE it"))));
        return this;
    }

    // ---- reports from hosts ----------------------------------------------------------------------

    private Behavior<FleetProtocol.Command> onHostJoined(HostReport.HostJoined m) {
        Optional<HostSlot> old = registry.host(m.host());
        if (old.isPresent() && !old.get().agent.equals(m.agent())) {
            onHostLost(new HostLost(m.host(), old.get().agent));
        }
        registry.addHost(new HostSlot(m.host(), m.agent(), m.capacity(), m.kvmFlavour()));
        getContext().watchWith(m.agent(), new HostLost(m.host(), m.agent()));
        getContext().getLog().info("host {} joined: {} vCPU(s), {} MiB (over-commit applied), KVM {}", m.host(),
                m.capacity().vcpus(), m.capacity().memMib(), m.kvmFlavour());
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
                publish(e);
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
            timers.cancel(startKey(e));
            replyAll(e.awaitingRunning, StatusReply.success(e.view()));
        }
        if (changed && !e.deleting) publish(e);   // a deleted VM's end is published once, by finishDeleteIfDone
        return this;
    }

    /** The current run has ended: free its room, answer whoever waits, then delete or apply the restart policy. */
    private void runEnded(VmEntry e) {
        timers.cancel(startKey(e));
        e.vm = null;
        registry.release(e);
        replyAll(e.awaitingRunning, StatusReply.error(new FleetException(Kind.INTERNAL, "VM '" + e.id()
                + "' ended before it ran: " + e.endReason + "; see GET /vms/" + e.id())));
        if (e.deleting) {
            e.awaitingStop = false;
            finishDeleteIfDone(e);
        } else if (e.shouldRun) {
            applyRestartPolicy(e);
        }
        placeWaiting();
    }

    private void applyRestartPolicy(VmEntry e) {
        Duration ran = Duration.ofNanos(nanoClock.getAsLong() - e.runStartedNanos);
        RestartDecision d = RestartRules.decide(e.definition.restartPolicy(), e.endReason, e.state == VmState.FAILED,
                e.quickRestarts, ran, settings.restart());
        if (d instanceof RestartDecision.RestartAfter r) {
            e.quickRestarts = r.quickRestarts();
            e.restartPending = true;
            timers.startSingleTimer(restartKey(e), new RestartDue(e.id(), e.run), r.delay());
            getContext().getLog().info("VM {} ended ({}); restarting in {} ms (policy {})", e.id(), e.endReason,
                    r.delay().toMillis(), e.definition.restartPolicy().apiName());
            return;
        }
        if (d instanceof RestartDecision.GiveUp g) {
            getContext().getLog().warn("VM {}: {}", e.id(), g.why());
        }
        e.shouldRun = false;
        String id = e.id();
        getContext().pipeToSelf(store.setShouldRun(id, false), (ok, err) -> new ShouldRunPersisted(id, err));
    }

    private Behavior<FleetProtocol.Command> onRestartDue(RestartDue m) {
        registry.vm(m.id()).filter(e -> e.run == m.run() && e.restartPending && !e.deleting && e.shouldRun)
                .ifPresent(e -> {
                    e.restartPending = false;
                    e.restarts++;
                    placeAndLaunch(e);
                });
        return this;
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

    private Behavior<FleetProtocol.Command> onShouldRunPersisted(ShouldRunPersisted m) {
        if (m.error() != null) {
            getContext().getLog().error("VM {}: recording that it should no longer run failed: {}; after a restart "
                    + "of Flotilla it may be booted again", m.id(), m.error().getMessage());
        }
        return this;
    }

    // ---- configuration and actions ---------------------------------------------------------------

    private Behavior<FleetProtocol.Command> onConfigure(Configure m) {
        Optional<VmEntry> found = registry.vm(m.id());
        if (found.isPresent() && found.get().deleting) return refuse(m.replyTo(), FleetRefusals.exists(found.get()));
        if (found.isPresent() && found.get().started && !m.change().allowedAfterBoot()) {
            return refuse(m.replyTo(), new FleetException(Kind.NOT_ALLOWED_IN_STATE, NOT_AFTER_START));
        }
        VmDefinition base;
        try {
            base = found.map(e -> e.definition).orElseGet(() -> VmDefinition.empty(m.id()));
        } catch (InvalidConfigException ex) {
            return refuse(m.replyTo(), new FleetException(Kind.INVALID, ex.getMessage()));
        }
        Optional<FleetException> noTarget = FleetRefusals.patchTargetMissing(m.change(), base);
        if (noTarget.isPresent()) return refuse(m.replyTo(), noTarget.get());
        VmDefinition changed;
        try {
            changed = m.change().applyTo(base);
        } catch (InvalidConfigException ex) {
            return refuse(m.replyTo(), new FleetException(Kind.INVALID, ex.getMessage()));
        }
        VmEntry e = found.orElseGet(() -> {
            VmEntry created = new VmEntry(changed, Instant.now());
            registry.add(created);
            return created;
        });
        if (e.started && e.vm != null) {
            // a live update: the running device takes it first; only what it accepted is saved
            LiveUpdates.Target target = LiveUpdates.target(m.change(), base);
            String vmId = e.id();
            getContext().askWithStatus(Done.class, e.vm, ACTION_TIMEOUT,
                    r -> new MicroVm.UpdateDevice(target.deviceId(), target.update(), r),
                    (ok, err) -> new LiveUpdateApplied(vmId, changed, m.replyTo(), err));
            return this;
        }
        e.definition = changed;
        String id = e.id();
        getContext().pipeToSelf(store.put(changed, e.shouldRun), (ok, err) -> new ConfigPersisted(id, m.replyTo(), err));
        if (found.isEmpty()) publish(e);
        return this;
    }

    private Behavior<FleetProtocol.Command> onLiveUpdateApplied(LiveUpdateApplied m) {
        Optional<VmEntry> e = registry.vm(m.id());
        if (m.error() != null) {
            return refuse(m.replyTo(), new FleetException(Kind.INVALID, m.error().getMessage()));
        }
        if (e.isEmpty()) return refuse(m.replyTo(), FleetRefusals.notFound(m.id()));
        e.get().definition = m.changed();
        String id = m.id();
        getContext().pipeToSelf(store.put(m.changed(), e.get().shouldRun), (ok, err) -> new ConfigPersisted(id, m.replyTo(), err));
        return this;
    }

    private Behavior<FleetProtocol.Command> onConfigPersisted(ConfigPersisted m) {
        Optional<VmEntry> e = registry.vm(m.id());
        if (m.error() != null) {
            m.replyTo().tell(StatusReply.error(new FleetException(Kind.INTERNAL, "the change to VM '" + m.id()
                    + "' was not saved: " + m.error().getMessage())));
        } else if (e.isEmpty()) {
            m.replyTo().tell(StatusReply.error(new FleetException(Kind.NOT_FOUND, "VM '" + m.id() + "' was deleted")));
        } else {
            m.replyTo().tell(StatusReply.success(e.get().view()));
        }
        return this;
    }

    private Behavior<FleetProtocol.Command> onAct(Act m) {
        VmEntry e = registry.vm(m.id()).orElse(null);
        if (e == null) return refuse(m.replyTo(), FleetRefusals.notFound(m.id()));
        if (e.deleting) return refuse(m.replyTo(), FleetRefusals.exists(e));
        switch (m.action()) {
            case INSTANCE_START:
                return onInstanceStart(e, m.replyTo());
            case FLUSH_METRICS:
                // metrics are written by the ops module; the fleet only confirms the VM exists
                m.replyTo().tell(StatusReply.success(e.view()));
                return this;
            default:
                break;
        }
        if (!e.started) return refuse(m.replyTo(), new FleetException(Kind.NOT_ALLOWED_IN_STATE, NOT_BEFORE_START));
        boolean allowed = m.action() == FleetProtocol.Action.SEND_CTRL_ALT_DEL ? e.state == VmState.RUNNING : e.live();
        if (!allowed || e.vm == null) {
            return refuse(m.replyTo(), new FleetException(Kind.NOT_ALLOWED_IN_STATE, "VM '" + e.id() + "' is "
                    + e.state.name().toLowerCase() + ": " + FleetRefusals.actionName(m.action()) + " needs it "
                    + (m.action() == FleetProtocol.Action.SEND_CTRL_ALT_DEL ? "running (resume it first)" : "running or paused")));
        }
        String id = e.id();
        long run = e.run;
        ActorRef<StatusReply<VmView>> replyTo = m.replyTo();
        switch (m.action()) {
            case PAUSE:
                getContext().askWithStatus(VmInfo.class, e.vm, ACTION_TIMEOUT, MicroVm.Pause::new,
                        (info, err) -> new ActDone(id, run, replyTo, info, err));
                break;
            case RESUME:
                getContext().askWithStatus(VmInfo.class, e.vm, ACTION_TIMEOUT, MicroVm.Resume::new,
                        (info, err) -> new ActDone(id, run, replyTo, info, err));
                break;
            default:
                getContext().askWithStatus(Done.class, e.vm, ACTION_TIMEOUT, MicroVm.SendCtrlAltDel::new,
                        (done, err) -> new ActDone(id, run, replyTo, null, err));
                break;
        }
        return this;
    }

    private Behavior<FleetProtocol.Command> onActDone(ActDone m) {
        VmEntry e = registry.vm(m.id()).orElse(null);
        if (e == null) return refuse(m.replyTo(), FleetRefusals.notFound(m.id()));
        if (m.error() != null) {
            return refuse(m.replyTo(), new FleetException(Kind.CONFLICT, "VM '" + m.id() + "': " + m.error().getMessage()));
        }
        if (m.info() != null && e.run == m.run() && !m.info().ended() && !e.state.terminal() && e.state != m.info().state()) {
            e.state = m.info().state();
            publish(e);
        }
        m.replyTo().tell(StatusReply.success(e.view()));
        return this;
    }

    // ---- queries, delete, events -----------------------------------------------------------------

    private Behavior<FleetProtocol.Command> onGetVm(GetVm m) {
        m.replyTo().tell(registry.vm(m.id()).map(VmEntry::view));
        return this;
    }

    private Behavior<FleetProtocol.Command> onListVms(ListVms m) {
        m.replyTo().tell(registry.list(m.state(), m.labels(), m.offset(), m.limit()));
        return this;
    }

    private Behavior<FleetProtocol.Command> onDelete(DeleteVm m) {
        VmEntry e = registry.vm(m.id()).orElse(null);
        if (e == null) {
            m.replyTo().tell(StatusReply.error(FleetRefusals.notFound(m.id())));
            return this;
        }
        e.awaitingDelete.add(m.replyTo());
        if (e.deleting) return this;
        e.deleting = true;
        e.shouldRun = false;
        e.restartPending = false;
        e.awaitingPlacement = false;
        timers.cancel(restartKey(e));
        replyAll(e.awaitingRunning, StatusReply.error(new FleetException(Kind.CONFLICT, "VM '" + e.id()
                + "' was deleted while starting")));
        boolean launched = e.state != VmState.CONFIGURING && !e.state.terminal() && e.reserved();
        if (launched) {
            timers.cancel(startKey(e));
            registry.host(e.host).ifPresent(h -> h.agent.tell(new HostAgent.StopVm(e.id(), e.run,
                    EndReason.of(EndReason.Kind.STOPPED, DELETED))));
            e.awaitingStop = true;
        } else {
            registry.release(e);
        }
        String id = e.id();
        getContext().pipeToSelf(store.delete(id), (ok, err) -> new DeletePersisted(id, err));
        return this;
    }

    private Behavior<FleetProtocol.Command> onDeletePersisted(DeletePersisted m) {
        VmEntry e = registry.vm(m.id()).orElse(null);
        if (e == null) return this;
        if (m.error() != null) {
            e.deleting = false;
            replyAll(e.awaitingDelete, StatusReply.error(new FleetException(Kind.INTERNAL, "VM '" + m.id()
                    + "' was stopped but not deleted: removing its desired state failed: " + m.error().getMessage()
                    + "; retry the DELETE")));
            return this;
        }
        e.deleteDurable = true;
        finishDeleteIfDone(e);
        return this;
    }

    private void finishDeleteIfDone(VmEntry e) {
        if (!e.deleteDurable || e.awaitingStop) return;
        registry.remove(e);
        replyAll(e.awaitingDelete, StatusReply.ack());
        // a deleted VM's last event, whatever state it ended in: subscribers can recognise the deletion
        e.state = VmState.STOPPED;
        e.endReason = EndReason.of(EndReason.Kind.STOPPED, DELETED);
        publish(e);
        placeWaiting();
    }

    private Behavior<FleetProtocol.Command> onBalloonStats(FleetProtocol.GetBalloonStats m) {
        VmEntry e = registry.vm(m.id()).orElse(null);
        if (e == null) return refuse(m.replyTo(), FleetRefusals.notFound(m.id()));
        if (!e.started) return refuse(m.replyTo(), new FleetException(Kind.NOT_ALLOWED_IN_STATE, NOT_BEFORE_START));
        Optional<dev.flotilla.vm.config.BalloonConfig> balloon = e.definition.devices().balloon();
        if (balloon.isEmpty()) {
            return refuse(m.replyTo(), new FleetException(Kind.INVALID, "VM '" + e.id() + "' has no balloon device"));
        }
        if (balloon.get().statsPollingIntervalS() == 0) {
            return refuse(m.replyTo(), new FleetException(Kind.INVALID, "balloon statistics of VM '" + e.id()
                    + "' are off: set stats_polling_interval_s above 0 before the start"));
        }
        if (e.vm == null) {
            return refuse(m.replyTo(), new FleetException(Kind.NOT_ALLOWED_IN_STATE, "VM '" + e.id() + "' is not running"));
        }
        getContext().askWithStatus(dev.flotilla.vm.devices.balloon.BalloonStatistics.class, e.vm, ACTION_TIMEOUT,
                MicroVm.GetBalloonStatistics::new, (stats, err) -> new BalloonStatsAnswered(m.replyTo(), stats, err));
        return this;
    }

    private Behavior<FleetProtocol.Command> onBalloonStatsAnswered(BalloonStatsAnswered m) {
        if (m.error() != null) return refuse(m.replyTo(), new FleetException(Kind.INVALID, m.error().getMessage()));
        var s = m.stats();
        java.util.Map<String, Long> guest = new java.util.LinkedHashMap<>();
        var g = s.guest();
        g.swapIn().ifPresent(v -> guest.put("swap_in", v));
        g.swapOut().ifPresent(v -> guest.put("swap_out", v));
        g.majorFaults().ifPresent(v -> guest.put("major_faults", v));
        g.minorFaults().ifPresent(v -> guest.put("minor_faults", v));
        g.freeMemory().ifPresent(v -> guest.put("free_memory", v));
        g.totalMemory().ifPresent(v -> guest.put("total_memory", v));
        g.availableMemory().ifPresent(v -> guest.put("available_memory", v));
        g.diskCaches().ifPresent(v -> guest.put("disk_caches", v));
        g.hugetlbAllocations().ifPresent(v -> guest.put("hugetlb_allocations", v));
        g.hugetlbFailures().ifPresent(v -> guest.put("hugetlb_failures", v));
        m.replyTo().tell(StatusReply.success(new BalloonStatistics(s.targetPages(), s.actualPages(), s.targetMib(),
                s.actualMib(), guest)));
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

    private Behavior<FleetProtocol.Command> onSubscribe(Subscribe m) {
        if (subscribers.add(m.subscriber())) {
            getContext().watchWith(m.subscriber(), new SubscriberGone(m.subscriber()));
        }
        return this;
    }

    private void dropSubscriber(ActorRef<VmEvent> s) {
        if (subscribers.remove(s)) getContext().unwatch(s);
    }

    private void publish(VmEntry e) {
        if (subscribers.isEmpty()) return;
        VmEvent event = new VmEvent(++eventSequence, Instant.now(), e.view());
        subscribers.forEach(s -> s.tell(event));
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private <T> Behavior<FleetProtocol.Command> refuse(ActorRef<StatusReply<T>> replyTo, FleetException why) {
        replyTo.tell(StatusReply.error(why));
        return this;
    }

    private static <T> void replyAll(List<ActorRef<StatusReply<T>>> waiting, StatusReply<T> reply) {
        waiting.forEach(r -> r.tell(reply));
        waiting.clear();
    }

    private static String startKey(VmEntry e) {
        return "start-" + e.id();
    }

    private static String restartKey(VmEntry e) {
        return "restart-" + e.id();
    }
}
