package dev.flotilla.fleet;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The fleet's event stream: who subscribed, and every VM state change numbered in order. Subscribers are
 * watched and dropped when they stop. Owned by the fleet actor and used on its thread only.
 */
final class FleetEvents {

    /** A subscriber stopped without unsubscribing. */
    record SubscriberGone(ActorRef<VmEvent> subscriber) implements FleetProtocol.Command {}

    private final ActorContext<FleetProtocol.Command> ctx;
    private final Set<ActorRef<VmEvent>> subscribers = new LinkedHashSet<>();
    private long sequence;

    FleetEvents(ActorContext<FleetProtocol.Command> ctx) {
        this.ctx = ctx;
    }

    Behavior<FleetProtocol.Command> onSubscribe(FleetProtocol.Subscribe m) {
        if (subscribers.add(m.subscriber())) {
            ctx.watchWith(m.subscriber(), new SubscriberGone(m.subscriber()));
        }
        return Behaviors.same();
    }

    Behavior<FleetProtocol.Command> onUnsubscribe(FleetProtocol.Unsubscribe m) {
        drop(m.subscriber());
        return Behaviors.same();
    }

    Behavior<FleetProtocol.Command> onSubscriberGone(SubscriberGone m) {
        drop(m.subscriber());
        return Behaviors.same();
    }

    private void drop(ActorRef<VmEvent> s) {
        if (subscribers.remove(s)) ctx.unwatch(s);
    }

    /** Tells every subscriber the VM's current view. */
    void publish(VmEntry e) {
        if (subscribers.isEmpty()) return;
        VmEvent event = new VmEvent(++sequence, Instant.now(), e.view());
        subscribers.forEach(s -> s.tell(event));
    }
}
