package dev.flotilla.api;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.server.Route;
import akka.http.javadsl.settings.ParserSettings;
import akka.http.javadsl.settings.ServerSettings;
import dev.flotilla.api.json.BodyMapper;
import dev.flotilla.fleet.FleetProtocol;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The management API server: binds the routes over the fleet actor as {@link ApiSettings} say. */
public final class ApiServer {

    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

    private ApiServer() {}

    /**
     * Binds the API. The settings were validated on construction (a non-loopback bind has a token).
     *
     * @return the binding, or a failed stage naming the address when the port cannot be bound
     */
    public static CompletionStage<ServerBinding> start(ActorSystem<?> system, ActorRef<FleetProtocol.Command> fleet, ApiSettings s) {
        Route route = routes(system, fleet, s);
        ServerSettings server = ServerSettings.create(system.classicSystem())
                .withParserSettings(ParserSettings.create(system.classicSystem()).withMaxContentLength(s.maxEntityBytes()))
                .withParsingErrorHandler(JsonParsingErrorHandler.class.getName());
        return Http.get(system).newServerAt(s.bindAddress(), s.port()).withSettings(server).bind(route)
                .whenComplete((b, failure) -> {
                    if (failure != null) {
                        LOG.error("could not bind the API to {}:{}: {}", s.bindAddress(), s.port(), failure.getMessage());
                    } else {
                        LOG.info("API listening on http://{}:{} ({}; host paths under {})", b.localAddress().getHostString(),
                                b.localAddress().getPort(), s.bearerToken().isPresent() ? "bearer token required" : "no token, loopback only",
                                s.allowedRoots());
                    }
                });
    }

    /** The whole route tree, unbound (tests and embedding). */
    public static Route routes(ActorSystem<?> system, ActorRef<FleetProtocol.Command> fleet, ApiSettings s) {
        FleetClient client = new FleetClient(fleet, system.scheduler(), s.askTimeout());
        BodyMapper bodies = new BodyMapper(new HostPaths(s.allowedRoots()));
        Map<ApiRoute, Function<Call, Route>> table = new EnumMap<>(ApiRoute.class);
        Executor files = system.dispatchers().lookup(DispatcherSelector.blocking());
        new VmResources(client, bodies, files).register(table);
        new FleetResources(client, bodies, new VmEventStream(fleet, s.maxEventStreams()), files).register(table);
        return new ApiRouter(table, new BearerToken(s.bearerToken()), s.maxEntityBytes()).route();
    }
}
