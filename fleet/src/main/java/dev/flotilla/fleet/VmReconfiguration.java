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
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Configuration changes (Firecracker's PUT/PATCH of a VM's parts): any change before the start, only
 * {@link ConfigChange#allowedAfterBoot()} ones after it. A change to a running VM is a live update: its device
 * takes it first and only what it accepted is saved. A change is answered once it is durable.
 *
 * <p>One change per VM is in flight at a time, from its check to its answer: the next one is built on the
 * definition the previous one left, so two concurrent PATCHes both reach the device and the store, in
 * arrival order, and the stored definition is what runs. Later changes wait in the VM's queue (at most
 * {@value #MAX_QUEUED_CHANGES}; beyond, RATE_LIMITED with a short Retry-After). Works on the fleet actor's
 * state from the actor's thread only; keeps no state of its own.
 */
final class VmReconfiguration {

    /** Changes of one VM that may wait behind the one in flight. */
    static final int MAX_QUEUED_CHANGES = 32;

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
        if (found.isPresent() && found.get().changeInFlight) {
            VmEntry e = found.get();
            if (e.queuedChanges.size() >= MAX_QUEUED_CHANGES) {
                return FleetRefusals.refuse(m.replyTo(), new FleetException(Kind.RATE_LIMITED, "VM '" + e.id() + "' has "
                        + MAX_QUEUED_CHANGES + " configuration changes waiting already: retry once they are answered",
                        Duration.ofSeconds(1)));
            }
            e.queuedChanges.add(m);
            return Behaviors.same();
        }
        begin(m);
        return Behaviors.same();
    }

    /** Checks and starts one change; it is in flight (its VM's next waits) until it is answered. */
    private void begin(FleetProtocol.Configure m) {
        Optional<VmEntry> found = registry.vm(m.id());
        if (found.isPresent() && found.get().deleting) {
            FleetRefusals.refuse(m.replyTo(), FleetRefusals.exists(found.get()));
            return;
        }
        if (found.isPresent() && found.get().started && !m.change().allowedAfterBoot()) {
            FleetRefusals.refuse(m.replyTo(), new FleetException(Kind.NOT_ALLOWED_IN_STATE, Fleet.NOT_AFTER_START));
            return;
        }
        VmDefinition base;
        try {
            base = found.map(e -> e.definition).orElseGet(() -> VmDefinition.empty(m.id()));
        } catch (InvalidConfigException ex) {
            FleetRefusals.refuse(m.replyTo(), new FleetException(Kind.INVALID, ex.getMessage()));
            return;
        }
        Optional<FleetException> noTarget = FleetRefusals.patchTargetMissing(m.change(), base);
        if (noTarget.isPresent()) {
            FleetRefusals.refuse(m.replyTo(), noTarget.get());
            return;
        }
        VmDefinition changed;
        try {
            changed = m.change().applyTo(base);
        } catch (InvalidConfigException ex) {
            FleetRefusals.refuse(m.replyTo(), new FleetException(Kind.INVALID, ex.getMessage()));
            return;
        }
        VmEntry e = found.orElseGet(() -> {
            VmEntry created = new VmEntry(changed, Instant.now());
            registry.add(created);
            return created;
        });
        e.changeInFlight = true;
        if (e.started && e.vm != null) {
            // a live update: the running device takes it first; only what it accepted is saved
            LiveUpdates.Target target = LiveUpdates.target(m.change(), base);
            String vmId = e.id();
            ctx.askWithStatus(Done.class, e.vm, Fleet.ACTION_TIMEOUT,
                    r -> new MicroVm.UpdateDevice(target.deviceId(), target.update(), r),
                    (ok, err) -> new LiveUpdateApplied(vmId, changed, m.replyTo(), err));
            return;
        }
        e.definition = changed;
        persist(e, changed, m.replyTo());
        if (found.isEmpty()) events.publish(e);
    }

    Behavior<FleetProtocol.Command> onLiveUpdateApplied(LiveUpdateApplied m) {
        Optional<VmEntry> e = registry.vm(m.id());
        if (m.error() != null) {
            FleetRefusals.refuse(m.replyTo(), new FleetException(Kind.INVALID, m.error().getMessage()));
            next(m.id());
            return Behaviors.same();
        }
        if (e.isEmpty()) return FleetRefusals.refuse(m.replyTo(), FleetRefusals.notFound(m.id()));
        if (e.get().deleting) {
            // saving it now would write the row of a deleted VM back into the store
            FleetRefusals.refuse(m.replyTo(), FleetRefusals.exists(e.get()));
            next(m.id());
            return Behaviors.same();
        }
        e.get().definition = m.changed();
        persist(e.get(), m.changed(), m.replyTo());
        return Behaviors.same();
    }

    private void persist(VmEntry e, VmDefinition changed, ActorRef<StatusReply<VmView>> replyTo) {
        String id = e.id();
        ctx.pipeToSelf(store.put(changed, e.shouldRun, e.createdAt), (ok, err) -> new ConfigPersisted(id, replyTo, err));
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
        next(m.id());
        return Behaviors.same();
    }

    /** The VM's change in flight is answered: begin the next waiting one (those refused at once make way too). */
    private void next(String id) {
        Optional<VmEntry> e = registry.vm(id);
        if (e.isEmpty()) return;
        e.get().changeInFlight = false;
        while (!e.get().changeInFlight && !e.get().queuedChanges.isEmpty()) {
            begin(e.get().queuedChanges.poll());
        }
    }
}
