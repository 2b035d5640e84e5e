package dev.flotilla.vm.devices.block;

import java.io.IOException;

/**
 * A request failed on the host side: the backing file could not be read, written or flushed. The
 * guest gets VIRTIO_BLK_S_IOERR for that request only; the device, the VM and the JVM go on.
 */
public final class BackingFileException extends IOException {

    private final IoErrorKind kind;

    public BackingFileException(IoErrorKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public IoErrorKind kind() {
        return kind;
    }
}
