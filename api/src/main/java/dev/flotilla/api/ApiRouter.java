package dev.flotilla.api;

import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.Allow;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import akka.stream.Materializer;
import dev.flotilla.vm.config.InvalidConfigException;
import dev.flotilla.vm.config.VmSpec;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Dispatches every request through the {@link ApiRoute} table: bearer token, then path (404) and method (405),
 * then path ids validated, then the body read within the size limit and checked to be JSON (413, 415), and
 * only then the handler. Everything that goes wrong on the way ends in {@link Faults}.
 */
public final class ApiRouter extends AllDirectives {

    private static final long BODY_READ_TIMEOUT_MS = 10_000;

    private final Map<ApiRoute, Function<Call, Route>> handlers;
    private final BearerToken token;
    private final int maxEntityBytes;

    /** @throws IllegalStateException when a route of the table has no handler */
    public ApiRouter(Map<ApiRoute, Function<Call, Route>> handlers, BearerToken token, int maxEntityBytes) {
        this.handlers = new EnumMap<>(handlers);
        for (ApiRoute r : ApiRoute.values()) {
            if (!this.handlers.containsKey(r)) throw new IllegalStateException("no handler for " + r + " " + r.method() + " " + r.template());
        }
        this.token = token;
        this.maxEntityBytes = maxEntityBytes;
    }

    public Route route() {
        return handleExceptions(Faults.exceptionHandler(), () ->
                handleRejections(Faults.rejectionHandler(), () ->
                        extractRequest(request -> extractMaterializer(mat -> dispatch(request, mat)))));
    }

    private Route dispatch(HttpRequest request, Materializer mat) {
        Resolved resolved;
        try {
            resolved = resolve(request);
        } catch (RuntimeException e) {
            request.discardEntityBytes(mat);
            return complete(Faults.response(e));
        }
        Function<Call, Route> handler = handlers.get(resolved.route());
        if (!resolved.route().hasBody()) {
            request.discardEntityBytes(mat);
            return handler.apply(new Call(resolved.route(), resolved.params(), request, new byte[0]));
        }
        return onComplete(readBody(request, mat), body -> body.isSuccess()
                ? handler.apply(new Call(resolved.route(), resolved.params(), request, body.get()))
                : complete(Faults.response(body.failed().get())));
    }

    private record Resolved(ApiRoute route, Map<String, String> params) {}

    private Resolved resolve(HttpRequest request) {
        token.check(request);
        List<String> path = new ArrayList<>();
        request.getUri().pathSegments().forEach(path::add);
        String method = request.method().name();
        String raw = request.getUri().path();
        // "/vms/" and "/vms//x" are not "/vms" and "/vms/x": one spelling per resource
        List<ApiRoute> candidates = raw.length() > 1 && (raw.endsWith("/") || raw.contains("//")) ? List.of() : ApiRoute.matching(path);
        if (candidates.isEmpty()) {
            throw ApiFault.notFound("no resource at " + request.method().name() + " " + request.getUri().path()
                    + ": GET /openapi.yaml describes the API");
        }
        for (ApiRoute r : candidates) {
            if (r.method().equals(method)) {
                Map<String, String> params = r.match(path);
                params.forEach(ApiRouter::checkParam);
                return new Resolved(r, params);
            }
        }
        List<String> allowed = candidates.stream().map(ApiRoute::method).distinct().toList();
        throw new MethodNotAllowed(method, request.getUri().path(), allowed);
    }

    /** 405 with an Allow header; kept apart from ApiFault because it carries the header. */
    static final class MethodNotAllowed extends RuntimeException {
        final List<String> allowed;

        MethodNotAllowed(String method, String path, List<String> allowed) {
            super(method + " is not allowed on " + path + ": use " + String.join(", ", allowed), null, false, false);
            this.allowed = allowed;
        }

        Allow header() {
            return Allow.create(allowed.stream().map(m -> HttpMethods.lookup(m).orElseThrow()).toArray(akka.http.javadsl.model.HttpMethod[]::new));
        }
    }

    private static void checkParam(String name, String value) {
        if (name.equals("id")) {
            VmSpec.checkId(value);
        } else if (!VmSpec.ID_PATTERN.matcher(value).matches()) {
            String shown = value.length() > 70 ? value.substring(0, 64) + "..." : value;
            throw new InvalidConfigException(name, name + " '" + shown + "' in the path is invalid: use 1-64 of a-z, A-Z, 0-9, '_' and '-'");
        }
    }

    private CompletionStage<byte[]> readBody(HttpRequest request, Materializer mat) {
        var entity = request.entity();
        var declared = entity.getContentLengthOption();
        if (declared.isPresent() && declared.getAsLong() > maxEntityBytes) {
            return CompletableFuture.failedFuture(tooLarge(declared.getAsLong()));
        }
        return entity.toStrict(BODY_READ_TIMEOUT_MS, maxEntityBytes, mat).thenApply(strict -> {
            byte[] bytes = strict.getData().toArray();
            if (bytes.length > maxEntityBytes) throw tooLarge(bytes.length);
            if (bytes.length > 0 && !strict.getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
                throw new ApiFault(StatusCodes.UNSUPPORTED_MEDIA_TYPE, "the body is " + strict.getContentType().mediaType()
                        + ": send JSON with the header 'Content-Type: application/json'");
            }
            return bytes;
        });
    }

    private ApiFault tooLarge(long bytes) {
        return new ApiFault(StatusCodes.PAYLOAD_TOO_LARGE, "the request body is " + bytes + " bytes, over the limit of " + maxEntityBytes
                + " bytes: send a smaller body (a VM's whole configuration fits easily)");
    }
}
