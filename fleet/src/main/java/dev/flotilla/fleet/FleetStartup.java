package dev.flotilla.fleet;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.flotilla.fleet.FleetException.Kind;
import dev.flotilla.fleet.store.DesiredStateStore;
import dev.flotilla.fleet.store.LoadedState;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The fleet before it knows its desired state: loads the store (off the dispatcher), holding requests in
 * a bounded stash meanwhile — beyond it they are refused with a short Retry-After, never dropped — then
 * becomes the {@link Fleet}, recovers, and replays what it held. If the store cannot be read, every held
 * request is refused and the fleet stops: running without its desired state would lose VMs.
 */
final class FleetStartup {

    private record Loaded(LoadedState state, Throwable error) implements FleetProtocol.Command {}

    private FleetStartup() {}

    static Behavior<FleetProtocol.Command> create(FleetSettings settings, DesiredStateStore store, LongSupplier nanoClock) {
        return Behaviors.withStash(settings.startupStashCapacity(), stash -> Behaviors.setup(ctx ->
                Behaviors.withTimers(timers -> {
                    ctx.pipeToSelf(store.loadAll(), Loaded::new);
                    return Behaviors.receive(FleetProtocol.Command.class)
                            .onMessage(Loaded.class, l -> {
                                if (l.error() != null) {
                                    FleetException why = new FleetException(Kind.INTERNAL, "the fleet cannot load its "
                                            + "desired state from " + store.file() + ": " + l.error().getMessage()
                                            + "; fix the store and restart Flotilla");
                                    ctx.getLog().error(why.getMessage());
                                    stash.forEach(m -> FleetRefusals.refuse(m, why));
                                    return Behaviors.stopped();
                                }
                                Fleet fleet = new Fleet(ctx, timers, settings, store, nanoClock);
                                fleet.recover(l.state());
                                return stash.unstashAll(fleet);
                            })
                            .onMessage(FleetProtocol.Command.class, m -> {
                                if (stash.isFull()) {
                                    FleetRefusals.refuse(m, new FleetException(Kind.RATE_LIMITED, "the fleet is still "
                                            + "loading its desired state and holds " + stash.capacity()
                                            + " requests already; retry shortly", Duration.ofSeconds(1)));
                                } else {
                                    stash.stash(m);
                                }
                                return Behaviors.same();
                            })
                            .build();
                })));
    }
}
