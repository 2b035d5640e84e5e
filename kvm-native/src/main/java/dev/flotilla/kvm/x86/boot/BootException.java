package dev.flotilla.kvm.x86.boot;

/** The VM cannot be set up to boot as asked; the message says what to change. */
public class BootException extends Exception {
    public BootException(String message) {
        super(message);
    }

    public BootException(String message, Throwable cause) {
        super(message, cause);
    }
}
