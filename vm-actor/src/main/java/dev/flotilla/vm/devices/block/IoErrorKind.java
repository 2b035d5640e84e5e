package dev.flotilla.vm.devices.block;

import dev.flotilla.kvm.sys.Errno;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;

/** Why the host could not carry out a well-formed request; counted per kind in {@link BlockMetrics}. */
public enum IoErrorKind {
    /** The disk holding the backing file is full (ENOSPC) or the file hit a quota (EDQUOT). */
    NO_SPACE,
    /** The file ended before the data the request covers (it was truncated behind the device's back). */
    SHORT_READ,
    /** The channel was closed (the device is shutting down). */
    CLOSED,
    /** Any other I/O failure (EIO and friends). */
    IO_ERROR;

    /**
     * Classifies an exception from a FileChannel call. Java reports errno only through the message
     * (strerror text), so ENOSPC/EDQUOT are recognised by theirs.
     */
    static IoErrorKind of(IOException e) {
        if (e instanceof BackingFileException b) return b.kind();
        if (e instanceof ClosedChannelException) return CLOSED;
        String m = String.valueOf(e.getMessage());
        if (m.contains("No space left") || m.contains("Disk quota exceeded")) return NO_SPACE;
        return IO_ERROR;
    }

    /** Classifies the errno of a failed native call (the raw-fd path). */
    static IoErrorKind ofErrno(int errno) {
        return errno == Errno.ENOSPC || errno == Errno.EDQUOT ? NO_SPACE : IO_ERROR;
    }
}
