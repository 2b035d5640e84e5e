package dev.flotilla.vm.virtio;

/**
 * A device refused to start with what the driver set up (a required queue missing, a backend
 * that could not be opened). The transport answers it with NEEDS_RESET; the message is logged.
 */
public final class VirtioActivationException extends Exception {

    public VirtioActivationException(String message) {
        super(message);
    }

    public VirtioActivationException(String message, Throwable cause) {
        super(message, cause);
    }
}
