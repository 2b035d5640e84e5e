package dev.flotilla.kvm;

import dev.flotilla.kvm.sys.Native;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A file descriptor with exactly one owner and an idempotent close. {@link #get()} after close throws
 * instead of handing out a number the kernel may already have given to another open file.
 */
final class OwnedFd implements AutoCloseable {

    private final int fd;
    private final String what;
    private final AtomicBoolean closed = new AtomicBoolean();

    OwnedFd(int fd, String what) {
        this.fd = fd;
        this.what = what;
    }

    int get() {
        if (closed.get()) throw new IllegalStateException(what + " is closed");
        return fd;
    }

    /** The number, even after close: for messages and equality only. */
    int number() {
        return fd;
    }

    boolean isClosed() {
        return closed.get();
    }

    /** Closes the fd the first time; returns true if this call closed it. */
    boolean closeOnce() {
        if (!closed.compareAndSet(false, true)) return false;
        Native.closeQuietly(fd);
        return true;
    }

    @Override
    public void close() {
        closeOnce();
    }
}
