package dev.flotilla.api;

import akka.http.javadsl.model.HttpEntity;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import akka.http.javadsl.server.ExceptionHandler;
import akka.http.javadsl.server.RejectionHandler;
import akka.http.scaladsl.model.EntityStreamSizeException;
import akka.pattern.StatusReply;
import dev.flotilla.fleet.FleetException;
import dev.flotilla.vm.config.InvalidConfigException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a failure becomes an HTTP status and a {@code {"fault_message": ...}} body. Bad input is always
 * a 4xx; a 500 is only for a failure on Flotilla's side, and is logged with its stack trace.
 */
public final class Faults {

    private static final Logger LOG = LoggerFactory.getLogger(Faults.class);

    private Faults() {}

    public static HttpResponse response(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof ApiFault f) {
            if (f.status().equals(StatusCodes.UNAUTHORIZED)) {
                return Replies.fault(f.status(), f.getMessage(), RawHeader.create("WWW-Authenticate", "Bearer realm=\"flotilla\""));
            }
            return Replies.fault(f.status(), f.getMessage());
        }
        if (t instanceof ApiRouter.MethodNotAllowed m) return Replies.fault(StatusCodes.METHOD_NOT_ALLOWED, m.getMessage(), m.header());
        if (t instanceof InvalidConfigException e) return Replies.fault(StatusCodes.BAD_REQUEST, e.getMessage());
        if (t instanceof FleetException e) return fleet(e);
        if (t instanceof EntityStreamSizeException e) {
            return Replies.fault(StatusCodes.PAYLOAD_TOO_LARGE, "the request body is larger than the limit of " + e.limit()
                    + " bytes: send a smaller body (a VM's whole configuration fits easily)");
        }
        if (t instanceof TimeoutException) {
            return Replies.fault(StatusCodes.SERVICE_UNAVAILABLE, "the fleet did not answer in time (it may be overloaded): retry the request "
                    + "later; if it persists, check the daemon log");
        }
        if (t instanceof StatusReply.ErrorMessage e) {
            LOG.error("fleet replied with an untyped error: {}", e.getMessage());
            return Replies.fault(StatusCodes.INTERNAL_SERVER_ERROR, e.getMessage());
        }
        LOG.error("request failed inside Flotilla", t);
        return Replies.fault(StatusCodes.INTERNAL_SERVER_ERROR, "internal error (" + t.getClass().getSimpleName() + ": " + t.getMessage()
                + "): this is a Flotilla bug; the daemon log has the details");
    }

    private static HttpResponse fleet(FleetException e) {
        StatusCode status = switch (e.kind()) {
            case INVALID, NOT_ALLOWED_IN_STATE -> StatusCodes.BAD_REQUEST;
            case NOT_FOUND -> StatusCodes.NOT_FOUND;
            case CONFLICT -> StatusCodes.CONFLICT;
            case RATE_LIMITED -> StatusCodes.TOO_MANY_REQUESTS;
            // 507: the host limits are reached; retrying will not help until VMs end or the limits are raised
            case NO_CAPACITY -> StatusCodes.INSUFFICIENT_STORAGE;
            case INTERNAL -> StatusCodes.INTERNAL_SERVER_ERROR;
        };
        if (e.kind() == FleetException.Kind.RATE_LIMITED) {
            long millis = Math.max(0, e.retryAfter().toMillis());
            long seconds = Math.max(1, (millis + 999) / 1000);
            return Replies.fault(status, e.getMessage(), RawHeader.create("Retry-After", Long.toString(seconds)));
        }
        if (e.kind() == FleetException.Kind.INTERNAL) LOG.error("fleet failure: {}", e.getMessage());
        return Replies.fault(status, e.getMessage());
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) t = t.getCause();
        return t;
    }

    /** For exceptions thrown synchronously inside a route. */
    public static ExceptionHandler exceptionHandler() {
        return ExceptionHandler.newBuilder().matchAny(t -> akka.http.javadsl.server.Directives.complete(response(t))).build();
    }

    /**
     * Akka's own rejections (the router rarely produces any) keep Akka's status but get the JSON fault body,
     * so a client sees one error format whatever refused the request.
     */
    public static RejectionHandler rejectionHandler() {
        return RejectionHandler.defaultHandler().mapRejectionResponse(Faults::asFault);
    }

    private static HttpResponse asFault(HttpResponse r) {
        if (r.entity() instanceof HttpEntity.Strict strict) {
            String text = strict.getData().decodeString(StandardCharsets.UTF_8);
            if (text.startsWith("{\"fault_message\"")) return r;
            HttpResponse f = Replies.fault(r.status(), text.isEmpty() ? r.status().reason() : text);
            for (var h : r.getHeaders()) f = f.addHeader(h);
            return f;
        }
        return r;
    }
}
