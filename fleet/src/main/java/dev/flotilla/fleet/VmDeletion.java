package dev.flotilla.fleet;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.pattern.StatusReply;
import dev.flotilla.fleet.FleetException.Kind;
import dev.flotilla.fleet.host.HostAgent;
import dev.flotilla.fleet.store.DesiredStateStore;
import dev.flotilla.vm.EndReason;
import dev.flotilla.vm.VmState;

/**
 * DELETE of a VM: stop its run (if it has one), forget its desired state, and only when both are done
 * remove it, answer the DELETE and publish its last event (STOPPED, {@link Fleet#DELETED}). Works on the
 * fleet actor's state from the actor's thread only; keeps no state of its own.
 */
final class VmDeletion {

    /** The store has removed (or failed to remove) the VM's desired state. */
    record DeletePersisted(String id, Throwable error) implements FleetProtocol.Command {}

    private final ActorContext<FleetProtocol.Command> ctx;
    private final TimerScheduler<FleetProtocol.Command> timers;
    private final DesiredStateStore store;
    private final VmRegistry registry;
    private final FleetEvents events;
    /** Room was freed: the fleet places the VMs waiting for it. */
    private final Runnable placeWaiting;

    VmDeletion(ActorContext<FleetProtocol.Command> ctx, TimerScheduler<FleetProtocol.Command> timers,
               DesiredStateStore store, VmRegistry registry, FleetEvents events, Runnable placeWaiting) {
        this.ctx = ctx;
        this.timers = timers;
        this.store = store;
        this.registry = registry;
        this.events = events;
        this.placeWaiting = placeWaiting;
    }

    Behavior<FleetProtocol.Command> onDelete(FleetProtocol.DeleteVm m) {
        VmEntry e = registry.vm(m.id()).orElse(null);
        if (e == null) return FleetRefusals.refuse(m.replyTo(), FleetRefusals.notFound(m.id()));
        e.awaitingDelete.add(m.replyTo());
        if (e.deleting) return Behaviors.same();
        e.deleting = true;
        e.shouldRun = false;
        e.restartPending = false;
        e.awaitingPlacement = false;
        timers.cancel(e.restartTimerKey());
        e.answerAwaitingRunning(StatusReply.error(new FleetException(Kind.CONFLICT, "VM '" + e.id()
                + "' was deleted while starting")));
        FleetException deleted = FleetRefusals.exists(e);
        e.queuedChanges.forEach(c -> c.replyTo().tell(StatusReply.error(deleted)));
        e.queuedChanges.clear();
        boolean launched = e.state != VmState.CONFIGURING && !e.state.terminal() && e.reserved();
        if (launched) {
            timers.cancel(e.startTimerKey());
            registry.host(e.host).ifPresent(h -> h.agent.tell(new HostAgent.StopVm(e.id(), e.run,
                    EndReason.of(EndReason.Kind.STOPPED, Fleet.DELETED))));
            e.awaitingStop = true;
        } else {
            registry.release(e);
        }
        String id = e.id();
        ctx.pipeToSelf(store.delete(id), (ok, err) -> new DeletePersisted(id, err));
        return Behaviors.same();
    }

    Behavior<FleetProtocol.Command> onDeletePersisted(DeletePersisted m) {
        VmEntry e = registry.vm(m.id()).orElse(null);
        if (e == null) return Behaviors.same();
        if (m.error() != null) {
            e.deleting = false;
            e.answerAwaitingDelete(StatusReply.error(new FleetException(Kind.INTERNAL, "VM '" + m.id()
                    + "' was stopped but not deleted: removing its desired state failed: " + m.error().getMessage()
                    + "; retry the DELETE")));
            return Behaviors.same();
        }
        e.deleteDurable = true;
        finishIfDone(e);
        return Behaviors.same();
    }

    /** The run of a VM being deleted has ended. */
    void runEnded(VmEntry e) {
        e.awaitingStop = false;
        finishIfDone(e);
    }

    private void finishIfDone(VmEntry e) {
        if (!e.deleteDurable || e.awaitingStop) return;
        registry.remove(e);
        e.answerAwaitingDelete(StatusReply.ack());
        // a deleted VM's last event, whatever state it ended in: subscribers can recognise the deletion
        e.state = VmState.STOPPED;
        e.endReason = EndReason.of(EndReason.Kind.STOPPED, Fleet.DELETED);
        events.publish(e);
        placeWaiting.run();
    }
}
