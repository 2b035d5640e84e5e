package dev.flotilla.kvm.hostfs;

import java.io.IOException;

/** A host file could not be opened or used as asked; the message names the file and what to do. */
public final class HostFileException extends IOException {

    private final int errno;

    public HostFileException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    public HostFileException(String message, int errno, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    /** The errno of the failed call, or 0 when the call succeeded but the file did not fit (wrong type). */
    public int errno() {
        return errno;
    }
}
