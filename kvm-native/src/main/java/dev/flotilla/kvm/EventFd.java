package dev.flotilla.kvm;

import dev.flotilla.kvm.sys.Errno;
import dev.flotilla.kvm.sys.LibC;
import dev.flotilla.kvm.sys.Native;
import dev.flotilla.kvm.sys.NativeException;
import dev.flotilla.kvm.sys.NativeStruct;

/**
 * An eventfd(2) counter: what KVM signals for an ioeventfd (guest wrote a queue notify) and what we
 * write to raise an irqfd interrupt.
 * <p>Thread-safety: any thread may {@link #signal()} or {@link #read()} concurrently (the kernel
 * serialises them); {@link #close()} once nobody waits on it.
 */
public final class EventFd implements AutoCloseable {

    private final OwnedFd fd;
    private final boolean nonBlocking;

    private EventFd(int fd, boolean nonBlocking) {
        this.fd = new OwnedFd(fd, "eventfd " + fd);
        this.nonBlocking = nonBlocking;
    }

    /** A blocking eventfd with counter 0. */
    public static EventFd create() {
        return create(false);
    }

    /** An eventfd with counter 0; non-blocking reads return 0 instead of waiting. */
    public static EventFd create(boolean nonBlocking) {
        int fd = Native.libc().eventfd(0, LibC.EFD_CLOEXEC | (nonBlocking ? LibC.EFD_NONBLOCK : 0));
        if (fd < 0) throw NativeException.of("eventfd", Native.errno());
        return new EventFd(fd, nonBlocking);
    }

    public int fd() {
        return fd.get();
    }

    /**
     * The value 1 in native memory, shared by every signal(): the kernel only reads it, so concurrent
     * writers need no buffer of their own and the hot path (every interrupt, every kick) allocates nothing.
     */
    private static final NativeStruct ONE = one();

    private static NativeStruct one() {
        NativeStruct s = new NativeStruct(8);
        s.buffer().putLong(0, 1);
        return s;
    }

    /** Adds 1 to the counter (wakes a reader; raises the irqfd's GSI). */
    public void signal() {
        while (true) {
            long r = Native.libc().write(fd.get(), ONE.address(), 8);
            if (r == 8) return;
            int e = Native.errno();
            if (r < 0 && e == Errno.EINTR) continue;
            throw NativeException.of("write(eventfd)", r < 0 ? e : 0);
        }
    }

    /** Adds {@code value} (1 .. 2^64-2) to the counter. */
    public void add(long value) {
        try (NativeStruct s = new NativeStruct(8)) {
            s.buffer().putLong(0, value);
            while (true) {
                long r = Native.libc().write(fd.get(), s.address(), 8);
                if (r == 8) return;
                int e = Native.errno();
                if (r < 0 && e == Errno.EINTR) continue;
                throw NativeException.of("write(eventfd)", r < 0 ? e : 0);
            }
        }
    }

    /**
     * Reads and resets the counter. Blocks until it is non-zero, unless created non-blocking, in
     * which case it returns 0 when there is nothing to read.
     */
    public long read() {
        try (NativeStruct s = new NativeStruct(8)) {
            while (true) {
                long r = Native.libc().read(fd.get(), s.address(), 8);
                if (r == 8) return s.buffer().getLong(0);
                int e = Native.errno();
                if (r < 0 && e == Errno.EINTR) continue;
                if (r < 0 && e == Errno.EAGAIN && nonBlocking) return 0;
                throw NativeException.of("read(eventfd)", r < 0 ? e : 0);
            }
        }
    }

    @Override
    public void close() {
        fd.closeOnce();
    }
}
