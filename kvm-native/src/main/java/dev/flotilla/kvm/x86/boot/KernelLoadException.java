package dev.flotilla.kvm.x86.boot;

/**
 * A kernel or initrd image could not be loaded: unreadable, malformed, or not fitting the guest.
 * The message names the file and what the user can do about it.
 */
public final class KernelLoadException extends BootException {
    public KernelLoadException(String message) {
        super(message);
    }

    public KernelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
