package dev.flotilla.fleet.store;

/** The desired-state store failed; the message names the store file and the failing step. */
public final class StoreException extends RuntimeException {

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
