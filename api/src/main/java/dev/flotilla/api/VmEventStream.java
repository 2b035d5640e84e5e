package dev.flotilla.api;

import akka.NotUsed;
import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.Adapter;
import akka.http.javadsl.marshalling.sse.EventStreamMarshalling;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.sse.ServerSentEvent;
import akka.http.javadsl.server.Directives;
import akka.http.javadsl.server.Route;
import akka.stream.OverflowStrategy;
import akka.stream.javadsl.Source;
import dev.flotilla.api.json.Json;
import dev.flotilla.api.json.ViewMapper;
import dev.flotilla.fleet.FleetProtocol;
import dev.flotilla.fleet.VmEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET /events}: the fleet's VM state changes as Server-Sent Events (event type {@code vm}, id the event
 * sequence, data the VM's JSON view). Each client gets an actor-backed source subscribed to the fleet; its
 * buffer is bounded and drops the oldest events when the client reads too slowly (a dashboard wants the
 * latest state, and the fleet must never wait for a client). A comment line every {@link #KEEP_ALIVE} keeps
 * proxies from closing an idle stream. The number of concurrent streams is bounded too.
 */
public final class VmEventStream {

    public static final int BUFFER = 256;
    public static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

    private final ActorRef<FleetProtocol.Command> fleet;
    private final int maxStreams;
    private final AtomicInteger open = new AtomicInteger();

    public VmEventStream(ActorRef<FleetProtocol.Command> fleet, int maxStreams) {
        this.fleet = fleet;
        this.maxStreams = maxStreams;
    }

    public int openStreams() {
        return open.get();
    }

    /**
     * A stream is counted from when its source is materialized (the response is being sent) to when it ends, so
     * a request that never gets that far (refused by content negotiation, client gone) holds no slot. Concurrent
     * requests can overshoot the limit by a few; it bounds resources, it is not a quota.
     */
    Route route() {
        if (open.get() >= maxStreams) {
            return Directives.complete(Replies.fault(StatusCodes.SERVICE_UNAVAILABLE, "already " + maxStreams
                    + " event streams are open, the most this daemon serves: close one, or raise the limit"));
        }
        return Directives.completeOK(source(), EventStreamMarshalling.toEventStream());
    }

    private Source<ServerSentEvent, NotUsed> source() {
        Source<VmEvent, akka.actor.ActorRef> events = Source.actorRef(
                msg -> Optional.empty(), msg -> Optional.empty(), BUFFER, OverflowStrategy.dropHead());
        return events
                .mapMaterializedValue(ref -> {
                    open.incrementAndGet();
                    fleet.tell(new FleetProtocol.Subscribe(Adapter.toTyped(ref)));
                    return ref;
                })
                .watchTermination((ref, done) -> {
                    done.whenComplete((d, failure) -> {
                        fleet.tell(new FleetProtocol.Unsubscribe(Adapter.toTyped(ref)));
                        open.decrementAndGet();
                    });
                    return NotUsed.getInstance();
                })
                .map(VmEventStream::toSse)
                .keepAlive(KEEP_ALIVE, ServerSentEvent::heartbeat);
    }

    private static ServerSentEvent toSse(VmEvent e) {
        String data = new String(Json.write(ViewMapper.event(e)), StandardCharsets.UTF_8);
        return ServerSentEvent.create(data, Optional.of("vm"), Optional.of(Long.toString(e.sequence())), java.util.OptionalInt.empty());
    }
}
