package dev.flotilla.fleet;

import java.time.Duration;

/**
 * Why the fleet refused a request. {@link Kind} is all the API needs to pick an HTTP status (mapped in
 * one place); the message is written for the user and becomes the {@code fault_message}.
 */
public final class FleetException extends RuntimeException {

    public enum Kind {
        /** Bad input: 400. */
        INVALID,
        /** No such VM: 404. */
        NOT_FOUND,
        /** The id is taken, or the VM is in a state that forbids this: 409. */
        CONFLICT,
        /** Firecracker's pre-/post-boot rules: 400 with Firecracker's wording. */
        NOT_ALLOWED_IN_STATE,
        /** Over the creation rate: 429 with Retry-After. */
        RATE_LIMITED,
        /** No host can take the VM: 503. */
        NO_CAPACITY,
        /** Something failed on the host side: 500, with what to do. */
        INTERNAL
    }

    private final Kind kind;
    private final Duration retryAfter;

    public FleetException(Kind kind, String message) {
        this(kind, message, Duration.ZERO);
    }

    public FleetException(Kind kind, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.kind = kind;
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    /** For {@link Kind#RATE_LIMITED}: when a retry can succeed. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
