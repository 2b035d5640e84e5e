package dev.flotilla.vm.devices.net;

/** A frame backend failed a read or a write; the message names the backend and the call. */
public final class FrameIoException extends RuntimeException {

    public FrameIoException(String message, Throwable cause) {
        super(message, cause);
    }

    public FrameIoException(String message) {
        super(message);
    }
}
