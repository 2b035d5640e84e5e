package dev.flotilla.fleet;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import dev.flotilla.fleet.restart.RestartDecision;
import dev.flotilla.fleet.restart.RestartRules;
import dev.flotilla.fleet.restart.RestartSettings;
import dev.flotilla.fleet.store.DesiredStateStore;
import dev.flotilla.vm.VmState;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The restart policy at work: when a run of a VM that should run ends, either schedule its next boot
 * (with backoff) or record that it should no longer run. Works on the fleet actor's state from the actor's
 * thread only; keeps no state of its own.
 */
final class VmRestarts {

    /** The backoff of a run's restart has passed. */
    record RestartDue(String id, long run) implements FleetProtocol.Command {}

    /** The store has recorded (or failed to record) that a VM should no longer run. */
    record ShouldRunPersisted(String id, Throwable error) implements FleetProtocol.Command {}

    private final ActorContext<FleetProtocol.Command> ctx;
    private final TimerScheduler<FleetProtocol.Command> timers;
    private final DesiredStateStore store;
    private final VmRegistry registry;
    private final RestartSettings settings;
    private final LongSupplier nanoClock;
    /** Boots the VM again: placed now, or as soon as a host has room. */
    private final Consumer<VmEntry> placeAndLaunch;

    VmRestarts(ActorContext<FleetProtocol.Command> ctx, TimerScheduler<FleetProtocol.Command> timers,
               DesiredStateStore store, VmRegistry registry, RestartSettings settings, LongSupplier nanoClock,
               Consumer<VmEntry> placeAndLaunch) {
        this.ctx = ctx;
        this.timers = timers;
        this.store = store;
        this.registry = registry;
        this.settings = settings;
        this.nanoClock = nanoClock;
        this.placeAndLaunch = placeAndLaunch;
    }

    /** The run of a VM that should run has ended: restart it later, or give it up. */
    void runEnded(VmEntry e) {
        Duration ran = Duration.ofNanos(nanoClock.getAsLong() - e.runStartedNanos);
        RestartDecision d = RestartRules.decide(e.definition.restartPolicy(), e.endReason, e.state == VmState.FAILED,
                e.quickRestarts, ran, settings);
        if (d instanceof RestartDecision.RestartAfter r) {
            e.quickRestarts = r.quickRestarts();
            e.restartPending = true;
            timers.startSingleTimer(e.restartTimerKey(), new RestartDue(e.id(), e.run), r.delay());
            ctx.getLog().info("VM {} ended ({}); restarting in {} ms (policy {})", e.id(), e.endReason,
                    r.delay().toMillis(), e.definition.restartPolicy().apiName());
            return;
        }
        e.shouldRun = false;
        String id = e.id();
        if (d instanceof RestartDecision.GiveUp g) {
            ctx.getLog().warn("VM {}: {}", e.id(), g.why());
            // the reason stays with the VM, also after a restart of the daemon
            ctx.pipeToSelf(store.giveUp(id, g.why()), (ok, err) -> new ShouldRunPersisted(id, err));
            return;
        }
        ctx.pipeToSelf(store.setShouldRun(id, false), (ok, err) -> new ShouldRunPersisted(id, err));
    }

    Behavior<FleetProtocol.Command> onRestartDue(RestartDue m) {
        registry.vm(m.id()).filter(e -> e.run == m.run() && e.restartPending && !e.deleting && e.shouldRun)
                .ifPresent(e -> {
                    e.restartPending = false;
                    e.restarts++;
                    placeAndLaunch.accept(e);
                });
        return Behaviors.same();
    }

    Behavior<FleetProtocol.Command> onShouldRunPersisted(ShouldRunPersisted m) {
        if (m.error() != null) {
            ctx.getLog().error("VM {}: recording that it should no longer run failed: {}; after a restart "
                    + "of Flotilla it may be booted again", m.id(), m.error().getMessage());
        }
        return Behaviors.same();
    }
}
