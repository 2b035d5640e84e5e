package dev.flotilla.kvm.memory;

/** An access outside guest RAM or across the end of a region. Usually caused by the (untrusted) guest. */
public final class GuestMemoryException extends RuntimeException {
    public GuestMemoryException(String message) {
        super(message);
    }
}
