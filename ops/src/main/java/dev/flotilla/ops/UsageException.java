package dev.flotilla.ops;

/** A mistake on the command line; its message says what to type instead. Every subcommand uses this one. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
