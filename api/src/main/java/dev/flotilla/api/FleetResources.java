package dev.flotilla.api;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpCharsets;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.Query;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.Directives;
import akka.http.javadsl.server.Route;
import dev.flotilla.api.json.Bodies;
import dev.flotilla.api.json.BodyMapper;
import dev.flotilla.api.json.ViewMapper;
import dev.flotilla.fleet.FleetProtocol;
import dev.flotilla.vm.VmState;
import dev.flotilla.vm.config.InvalidConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.Executor;
import java.util.function.Function;

import static dev.flotilla.api.Handlers.reply;

/** The fleet resources: create-and-boot (the burst path), list, delete, hosts, the event stream and the API document. */
final class FleetResources {

    public static final int DEFAULT_PAGE = 100;
    public static final int MAX_PAGE = 1000;
    private static final Set<String> LIST_PARAMS = Set.of("state", "label", "offset", "limit");
    private static final ContentType YAML = ContentTypes.create(MediaTypes.applicationWithFixedCharset("yaml", HttpCharsets.UTF_8, "yaml"));
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The header that makes an id-less POST /vms safe to repeat. */
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private final FleetClient fleet;
    private final BodyMapper bodies;
    private final VmEventStream events;
    private final byte[] openApi;
    private final Executor files;

    /** @param files where bodies naming host paths are mapped: resolving them is blocking file-system I/O */
    FleetResources(FleetClient fleet, BodyMapper bodies, VmEventStream events, Executor files) {
        this.fleet = fleet;
        this.bodies = bodies;
        this.files = files;
        this.events = events;
        this.openApi = openApiDocument();
    }

    void register(Map<ApiRoute, Function<Call, Route>> table) {
        table.put(ApiRoute.CREATE_VM, this::create);
        table.put(ApiRoute.LIST_VMS, this::list);
        table.put(ApiRoute.DELETE_VM, c -> reply(() -> fleet.delete(c.id()).thenApply(d -> Replies.noContent())));
        table.put(ApiRoute.VM_STATUS, c -> reply(() -> fleet.get(c.id()).thenApply(v -> Replies.ok(ViewMapper.vm(v)))));
        table.put(ApiRoute.LIST_HOSTS, c -> reply(() -> fleet.hosts()
                .thenApply(hs -> Replies.ok(new Bodies.HostList(hs.stream().map(ViewMapper::host).toList())))));
        table.put(ApiRoute.EVENTS, c -> events.route());
        table.put(ApiRoute.OPENAPI, c -> Directives.complete(HttpResponse.create().withEntity(YAML, openApi)));
    }

    /**
     * One ask: the fleet admits (or 429s), places, persists and boots. 201 when the VM runs; 202 Accepted when
     * it is durable but its start outlasted the fleet's answer-start-within (it keeps starting: follow the
     * Location); 200 with the VM when the request repeats an earlier creation (same id, or same
     * Idempotency-Key, and the same body); 409 when the id or key was used with another body. A 503 (the fleet
     * did not answer in time) says the outcome is unknown and that repeating the request is safe.
     */
    private Route create(Call c) {
        Bodies.VmConfig body = c.body(Bodies.VmConfig.class, "VM configuration");
        Optional<String> key = c.request().getHeader(IDEMPOTENCY_KEY).map(h -> h.value());
        key.ifPresent(FleetProtocol::checkIdempotencyKey);
        boolean idFromRequest = body.id() != null;
        String id = idFromRequest ? body.id() : newId();
        return reply(() -> CompletableFuture.supplyAsync(() -> bodies.definition(id, body), files)
                .thenCompose(d -> fleet.create(d, idFromRequest, key).exceptionally(t -> {
                    throw outcomeUnknown(t, id, idFromRequest, key);
                }))
                .thenApply(FleetResources::createReply));
    }

    static HttpResponse createReply(FleetProtocol.CreateAnswer a) {
        String location = "/vms/" + a.vm().id();
        Object view = ViewMapper.vm(a.vm());
        if (a.repeated()) return Replies.existing(location, view);
        boolean live = a.vm().state() == VmState.RUNNING || a.vm().state() == VmState.PAUSED;
        return live ? Replies.created(location, view) : Replies.accepted(location, view);
    }

    /** A create the fleet did not answer in time may still have made the VM: say so, and how to find out. */
    private static RuntimeException outcomeUnknown(Throwable t, String id, boolean idFromRequest, Optional<String> key) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (!(cause instanceof TimeoutException)) {
            return cause instanceof RuntimeException r ? r : new CompletionException(cause);
        }
        String retry = idFromRequest || key.isPresent()
                ? "repeat the same request (a repeat answers with the VM if it was created, and never makes a second one)"
                : "GET /vms/" + id + " tells; to repeat safely, send the body with \"id\": \"" + id + "\" or an Idempotency-Key";
        return new ApiFault(StatusCodes.SERVICE_UNAVAILABLE, "the fleet did not answer in time (it may be overloaded), so "
                + "VM '" + id + "' may or may not have been created: " + retry);
    }

    /** vm- and 12 hex digits: unguessable enough that two bursts never collide, short enough to type. */
    static String newId() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return "vm-" + HexFormat.of().formatHex(b);
    }

    private Route list(Call c) {
        Query q = c.request().getUri().query();
        for (var p : q.toList()) {
            if (!LIST_PARAMS.contains(p.first())) {
                throw new InvalidConfigException(p.first(), "unknown query parameter '" + p.first() + "': use state, label, offset, limit");
            }
        }
        Optional<String> state = single(q, "state");
        if (state.isPresent()) {
            try {
                VmState.valueOf(state.get().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigException("state", "state '" + state.get() + "' is not a VM state: use one of "
                        + java.util.Arrays.stream(VmState.values()).map(s -> s.name().toLowerCase(Locale.ROOT)).toList());
            }
        }
        Map<String, String> labels = new LinkedHashMap<>();
        for (String l : q.getAll("label")) {
            int eq = l.indexOf('=');
            if (eq <= 0) throw new InvalidConfigException("label", "label filter '" + l + "' is not key=value");
            if (labels.put(l.substring(0, eq), l.substring(eq + 1)) != null) {
                throw new InvalidConfigException("label", "label key '" + l.substring(0, eq) + "' is given twice");
            }
        }
        int offset = intParam(q, "offset", 0, 0, Integer.MAX_VALUE);
        int limit = intParam(q, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
        return reply(() -> fleet.list(state, labels, offset, limit).thenApply(p -> Replies.ok(
                new Bodies.VmPage(p.items().stream().map(ViewMapper::vm).toList(), p.total(), p.offset(), p.limit()))));
    }

    private static Optional<String> single(Query q, String name) {
        var all = q.getAll(name);
        if (all.size() > 1) throw new InvalidConfigException(name, "query parameter '" + name + "' is given " + all.size() + " times: give it once");
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    private static int intParam(Query q, String name, int dflt, int min, int max) {
        Optional<String> v = single(q, name);
        if (v.isEmpty()) return dflt;
        try {
            int n = Integer.parseInt(v.get());
            if (n < min || n > max) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new InvalidConfigException(name, name + " '" + v.get() + "' is out of range: use an integer from " + min + " to " + max);
        }
    }

    private static byte[] openApiDocument() {
        try (InputStream in = FleetResources.class.getResourceAsStream("openapi.yaml")) {
            if (in == null) throw new IllegalStateException("openapi.yaml is missing from the api jar: the build is broken");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("could not read openapi.yaml from the api jar", e);
        }
    }
}
