package dev.flotilla.fleet;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.pattern.StatusReply;
import dev.flotilla.fleet.FleetException.Kind;
import dev.flotilla.fleet.FleetProtocol.Action;
import dev.flotilla.vm.MicroVm;
import dev.flotilla.vm.VmInfo;
import dev.flotilla.vm.VmState;
import dev.flotilla.vm.config.BalloonConfig;
import java.util.Optional;

/**
 * The runtime actions on a started VM (Pause, Resume, SendCtrlAltDel, FlushMetrics) and its balloon
 * statistics: checked against the VM's state here, then asked of its MicroVm, whose answer comes back as a
 * message. InstanceStart is the fleet's own (admission and placement). Works on the fleet actor's state from
 * the actor's thread only; keeps no state of its own.
 */
final class VmActions {

    /** A MicroVm answered an action of run {@code run}. */
    record ActDone(String id, long run, ActorRef<StatusReply<VmView>> replyTo, VmInfo info, Throwable error)
            implements FleetProtocol.Command {}

    /** A MicroVm answered a balloon statistics request. */
    record BalloonStatsAnswered(ActorRef<StatusReply<BalloonStatistics>> replyTo,
                                dev.flotilla.vm.devices.balloon.BalloonStatistics stats, Throwable error)
            implements FleetProtocol.Command {}

    private final ActorContext<FleetProtocol.Command> ctx;
    private final VmRegistry registry;
    private final FleetEvents events;

    VmActions(ActorContext<FleetProtocol.Command> ctx, VmRegistry registry, FleetEvents events) {
        this.ctx = ctx;
        this.registry = registry;
        this.events = events;
    }

    /** Any action but INSTANCE_START, on the VM {@code e} (which exists and is not being deleted). */
    Behavior<FleetProtocol.Command> onAct(VmEntry e, FleetProtocol.Act m) {
        if (m.action() == Action.FLUSH_METRICS) {
            // metrics are written by the ops module; the fleet only confirms the VM exists
            m.replyTo().tell(StatusReply.success(e.view()));
            return Behaviors.same();
        }
        if (!e.started) return FleetRefusals.refuse(m.replyTo(), new FleetException(Kind.NOT_ALLOWED_IN_STATE, Fleet.NOT_BEFORE_START));
        boolean allowed = m.action() == Action.SEND_CTRL_ALT_DEL ? e.state == VmState.RUNNING : e.live();
        if (!allowed || e.vm == null) {
            return FleetRefusals.refuse(m.replyTo(), new FleetException(Kind.NOT_ALLOWED_IN_STATE, "VM '" + e.id()
                    + "' is " + e.state.name().toLowerCase() + ": " + FleetRefusals.actionName(m.action()) + " needs it "
                    + (m.action() == Action.SEND_CTRL_ALT_DEL ? "running (resume it first)" : "running or paused")));
        }
        String id = e.id();
        long run = e.run;
        ActorRef<StatusReply<VmView>> replyTo = m.replyTo();
        switch (m.action()) {
            case PAUSE:
                ctx.askWithStatus(VmInfo.class, e.vm, Fleet.ACTION_TIMEOUT, MicroVm.Pause::new,
                        (info, err) -> new ActDone(id, run, replyTo, info, err));
                break;
            case RESUME:
                ctx.askWithStatus(VmInfo.class, e.vm, Fleet.ACTION_TIMEOUT, MicroVm.Resume::new,
                        (info, err) -> new ActDone(id, run, replyTo, info, err));
                break;
            default:
                ctx.askWithStatus(Done.class, e.vm, Fleet.ACTION_TIMEOUT, MicroVm.SendCtrlAltDel::new,
                        (done, err) -> new ActDone(id, run, replyTo, null, err));
                break;
        }
        return Behaviors.same();
    }

    Behavior<FleetProtocol.Command> onActDone(ActDone m) {
        VmEntry e = registry.vm(m.id()).orElse(null);
        if (e == null) return FleetRefusals.refuse(m.replyTo(), FleetRefusals.notFound(m.id()));
        if (m.error() != null) {
            return FleetRefusals.refuse(m.replyTo(), new FleetException(Kind.CONFLICT, "VM '" + m.id() + "': "
                    + m.error().getMessage()));
        }
        if (m.info() != null && e.run == m.run() && !m.info().ended() && !e.state.terminal() && e.state != m.info().state()) {
            e.state = m.info().state();
            events.publish(e);
        }
        m.replyTo().tell(StatusReply.success(e.view()));
        return Behaviors.same();
    }

    Behavior<FleetProtocol.Command> onBalloonStats(FleetProtocol.GetBalloonStats m) {
        VmEntry e = registry.vm(m.id()).orElse(null);
        if (e == null) return FleetRefusals.refuse(m.replyTo(), FleetRefusals.notFound(m.id()));
        if (!e.started) return FleetRefusals.refuse(m.replyTo(), new FleetException(Kind.NOT_ALLOWED_IN_STATE, Fleet.NOT_BEFORE_START));
        Optional<BalloonConfig> balloon = e.definition.devices().balloon();
        if (balloon.isEmpty()) {
            return FleetRefusals.refuse(m.replyTo(), new FleetException(Kind.INVALID, "VM '" + e.id() + "' has no balloon device"));
        }
        if (balloon.get().statsPollingIntervalS() == 0) {
            return FleetRefusals.refuse(m.replyTo(), new FleetException(Kind.INVALID, "balloon statistics of VM '"
                    + e.id() + "' are off: set stats_polling_interval_s above 0 before the start"));
        }
        if (e.vm == null) {
            return FleetRefusals.refuse(m.replyTo(), new FleetException(Kind.NOT_ALLOWED_IN_STATE, "VM '" + e.id()
                    + "' is not running"));
        }
        ctx.askWithStatus(dev.flotilla.vm.devices.balloon.BalloonStatistics.class, e.vm, Fleet.ACTION_TIMEOUT,
                MicroVm.GetBalloonStatistics::new, (stats, err) -> new BalloonStatsAnswered(m.replyTo(), stats, err));
        return Behaviors.same();
    }

    Behavior<FleetProtocol.Command> onBalloonStatsAnswered(BalloonStatsAnswered m) {
        if (m.error() != null) return FleetRefusals.refuse(m.replyTo(), new FleetException(Kind.INVALID, m.error().getMessage()));
        m.replyTo().tell(StatusReply.success(BalloonStatistics.of(m.stats())));
        return Behaviors.same();
    }
}
