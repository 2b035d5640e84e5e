package dev.flotilla.api;

import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;

/**
 * A refusal decided by the API layer itself (bad path id, malformed body, wrong media type, ...): a status and
 * a message for the user. The fleet's refusals come as {@link dev.flotilla.fleet.FleetException}; both end in
 * {@link Faults}.
 */
public final class ApiFault extends RuntimeException {

    private final StatusCode status;

    public ApiFault(StatusCode status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public static ApiFault badRequest(String message) {
        return new ApiFault(StatusCodes.BAD_REQUEST, message);
    }

    public static ApiFault notFound(String message) {
        return new ApiFault(StatusCodes.NOT_FOUND, message);
    }

    public StatusCode status() {
        return status;
    }
}
