package dev.flotilla.ops.metrics;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.pattern.StatusReply;
import dev.flotilla.fleet.FleetException;
import dev.flotilla.fleet.FleetProtocol;
import dev.flotilla.fleet.VmView;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletionStage;

/**
 * The fleet as the API server sees it: every command goes through to the fleet unchanged, except
 * <ul>
 *   <li>{@code CreateVm}, whose answer is timed into the creation-latency histogram by outcome, and</li>
 *   <li>the FlushMetrics action, which the fleet only confirms (the VM exists); this actor then has the
 *       {@link VmMetricsCollector} write the VM's metrics line and answers once it is written.</li>
 * </ul>
 * Neither waits inside the actor: the answer is relayed from the ask's completion.
 *
 * @see FleetInstruments#creation
 */
public final class FleetFront {

    private FleetFront() {}

    /** @param relayTimeout longer than the API's ask timeout, so the API is the one that gives up first */
    public static Behavior<FleetProtocol.Command> create(ActorRef<FleetProtocol.Command> fleet,
                                                         ActorRef<VmMetricsCollector.Command> collector, Duration relayTimeout) {
        return Behaviors.setup(ctx -> {
            var scheduler = ctx.getSystem().scheduler();
            return Behaviors.receive(FleetProtocol.Command.class)
                    .onMessage(FleetProtocol.CreateVm.class, m -> {
                        long t0 = System.nanoTime();
                        CompletionStage<StatusReply<FleetProtocol.CreateAnswer>> answer = AskPattern.ask(fleet,
                                r -> new FleetProtocol.CreateVm(m.definition(), m.idFromRequest(), m.idempotencyKey(), r),
                                relayTimeout, scheduler);
                        answer.whenComplete((reply, err) -> {
                            StatusReply<FleetProtocol.CreateAnswer> out = reply != null ? reply : StatusReply.error(new FleetException(
                                    FleetException.Kind.INTERNAL, "the fleet did not answer the creation of VM '"
                                    + m.definition().id() + "' in " + relayTimeout.toSeconds() + " s; check the daemon's log"));
                            FleetInstruments.creation(outcome(out), Duration.ofNanos(System.nanoTime() - t0));
                            m.replyTo().tell(out);
                        });
                        return Behaviors.same();
                    })
                    .onMessage(FleetProtocol.Act.class, m -> {
                        if (m.action() != FleetProtocol.Action.FLUSH_METRICS) {
                            fleet.tell(m);
                            return Behaviors.same();
                        }
                        CompletionStage<StatusReply<VmView>> confirmed = AskPattern.ask(fleet,
                                r -> new FleetProtocol.Act(m.id(), m.action(), r), relayTimeout, scheduler);
                        confirmed.whenComplete((reply, err) -> {
                            if (reply == null || reply.isError()) {
                                m.replyTo().tell(reply != null ? reply : StatusReply.error(err));
                                return;
                            }
                            CompletionStage<Done> written = AskPattern.askWithStatus(collector,
                                    r -> new VmMetricsCollector.Flush(m.id(), r), relayTimeout, scheduler);
                            written.whenComplete((done, failure) -> m.replyTo().tell(failure == null ? reply
                                    : StatusReply.error(unwrap(failure))));
                        });
                        return Behaviors.same();
                    })
                    .onMessage(FleetProtocol.Command.class, m -> {
                        fleet.tell(m);
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    static String outcome(StatusReply<?> reply) {
        if (reply.isSuccess()) return "created";
        if (reply.getError() instanceof FleetException e) return e.kind().name().toLowerCase(Locale.ROOT);
        return "failed";
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof StatusReply.ErrorMessage)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
