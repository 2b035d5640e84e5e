package dev.flotilla.fleet;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.pattern.StatusReply;
import dev.flotilla.fleet.FleetException.Kind;
import dev.flotilla.fleet.store.DesiredStateStore;
import dev.flotilla.vm.MicroVm;
import dev.flotilla.vm.config.InvalidConfigException;
import java.time.Instant;
import java.util.Optional;

/**
 * Configuration changes (Firecracker's PUT/PATCH of a VM's parts): any change before the start, only
 * {@link ConfigChange#allowedAfterBoot()} ones after it. A change to a running VM is a live update: its device
 * takes it first and only what it accepted is saved. A change is answered once it is durable. Works on the
 * fleet actor's state from the actor's thread only; keeps no state of its own.
 */
final class VmReconfiguration {

    /** The store has saved (or failed to save) a changed definition. */
    record ConfigPersisted(String id, ActorRef<StatusReply<VmView>> replyTo, Throwable error)
            implements FleetProtocol.Command {}

    /** The running VM's device has taken (or refused) a live update. */
    record LiveUpdateApplied(String id, VmDefinition changed, ActorRef<StatusReply<VmView>> replyTo, Throwable error)
            implements FleetProtocol.Command {}

    private final ActorContext<FleetProtocol.Command> ctx;
    private final DesiredStateStore store;
    private final VmRegistry registry;
    private final FleetEvents events;

    VmReconfiguration(ActorContext<FleetProtocol.Command> ctx, DesiredStateStore store, VmRegistry registry,
                      FleetEvents events) {
        this.ctx = ctx;
        this.store = store;
        this.registry = registry;
        this.events = events;
    }

    Behavior<FleetProtocol.Command> onConfigure(FleetProtocol.Configure m) {
        Optional<VmEntry> found = registry.vm(m.id());
        if (found.isPresent() && found.get().deleting) return FleetRefusals.refuse(m.replyTo(), FleetRefusals.exists(found.get()));
        if (found.isPresent() && found.get().started && !m.change().allowedAfterBoot()) {
            return FleetRefusals.refuse(m.replyTo(), new FleetException(Kind.NOT_ALLOWED_IN_STATE, Fleet.NOT_AFTER_START));
        }
        VmDefinition base;
        try {
            base = found.map(e -> e.definition).orElseGet(() -> VmDefinition.empty(m.id()));
        } catch (InvalidConfigException ex) {
            return FleetRefusals.refuse(m.replyTo(), new FleetException(Kind.INVALID, ex.getMessage()));
        }
        Optional<FleetException> noTarget = FleetRefusals.patchTargetMissing(m.change(), base);
        if (noTarget.isPresent()) return FleetRefusals.refuse(m.replyTo(), noTarget.get());
        VmDefinition changed;
        try {
            changed = m.change().applyTo(base);
        } catch (InvalidConfigException ex) {
            return FleetRefusals.refuse(m.replyTo(), new FleetException(Kind.INVALID, ex.getMessage()));
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
            ctx.askWithStatus(Done.class, e.vm, Fleet.ACTION_TIMEOUT,
                    r -> new MicroVm.UpdateDevice(target.deviceId(), target.update(), r),
                    (ok, err) -> new LiveUpdateApplied(vmId, changed, m.replyTo(), err));
            return Behaviors.same();
        }
        e.definition = changed;
        persist(e.id(), changed, e.shouldRun, m.replyTo());
        if (found.isEmpty()) events.publish(e);
        return Behaviors.same();
    }

    Behavior<FleetProtocol.Command> onLiveUpdateApplied(LiveUpdateApplied m) {
        Optional<VmEntry> e = registry.vm(m.id());
        if (m.error() != null) {
            return FleetRefusals.refuse(m.replyTo(), new FleetException(Kind.INVALID, m.error().getMessage()));
        }
        if (e.isEmpty()) return FleetRefusals.refuse(m.replyTo(), FleetRefusals.notFound(m.id()));
        e.get().definition = m.changed();
        persist(m.id(), m.changed(), e.get().shouldRun, m.replyTo());
        return Behaviors.same();
    }

    private void persist(String id, VmDefinition changed, boolean shouldRun, ActorRef<StatusReply<VmView>> replyTo) {
        ctx.pipeToSelf(store.put(changed, shouldRun), (ok, err) -> new ConfigPersisted(id, replyTo, err));
    }

    Behavior<FleetProtocol.Command> onConfigPersisted(ConfigPersisted m) {
        Optional<VmEntry> e = registry.vm(m.id());
        if (m.error() != null) {
            m.replyTo().tell(StatusReply.error(new FleetException(Kind.INTERNAL, "the change to VM '" + m.id()
                    + "' was not saved: " + m.error().getMessage())));
        } else if (e.isEmpty()) {
            m.replyTo().tell(StatusReply.error(new FleetException(Kind.NOT_FOUND, "VM '" + m.id() + "' was deleted")));
        } else {
            m.replyTo().tell(StatusReply.success(e.get().view()));
        }
        return Behaviors.same();
    }
}
