package dev.flotilla.kvm;

import dev.flotilla.kvm.sys.Errno;
import dev.flotilla.kvm.sys.LibC;
import dev.flotilla.kvm.sys.Native;
import dev.flotilla.kvm.sys.NativeException;
import dev.flotilla.kvm.sys.NativeStruct;

/**
 * An epoll(7) instance: how a device worker thread waits on several fds at once (queue ioeventfds, a
 * TAP, sockets, its own wake-up eventfd) without a thread per fd. Each registered fd carries a
 * caller-chosen {@code long} token that {@link #await} hands back.
 * <p>Threading: register/unregister from any thread; {@link #await} from one worker thread at a time
 * (its event buffer is owned by the instance). {@link #close()} after the worker has stopped.
 */
public final class Epoll implements AutoCloseable {

    private final OwnedFd fd;
    private final NativeStruct events;
    private final int capacity;

    private Epoll(int fd, int capacity) {
        this.fd = new OwnedFd(fd, "epoll " + fd);
        this.capacity = capacity;
        this.events = new NativeStruct(capacity * LibC.EPOLL_EVENT_SIZE);
    }

    /** @param capacity how many ready fds one {@link #await} can report */
    public static Epoll create(int capacity) {
        int fd = Native.libc().epoll_create1(LibC.EPOLL_CLOEXEC);
        if (fd < 0) throw NativeException.of("epoll_create1", Native.errno());
        return new Epoll(fd, Math.max(1, capacity));
    }

    /** Watches {@code target} for {@code events} (LibC.EPOLLIN ...), reporting {@code token}. */
    public void add(int target, int events, long token) {
        ctl(LibC.EPOLL_CTL_ADD, target, events, token, "epoll_ctl(ADD)");
    }

    public void modify(int target, int events, long token) {
        ctl(LibC.EPOLL_CTL_MOD, target, events, token, "epoll_ctl(MOD)");
    }

    public void remove(int target) {
        ctl(LibC.EPOLL_CTL_DEL, target, 0, 0, "epoll_ctl(DEL)");
    }

    private void ctl(int op, int target, int ev, long token, String call) {
        try (NativeStruct e = new NativeStruct(LibC.EPOLL_EVENT_SIZE)) {
            e.buffer().putInt(0, ev);
            e.buffer().putLong(4, token);
            if (Native.libc().epoll_ctl(fd.get(), op, target, e.address()) != 0) {
                throw NativeException.of(call + " fd " + target, Native.errno());
            }
        }
    }

    /**
     * Waits up to {@code timeoutMs} (-1 = forever, 0 = poll) and copies the tokens of ready fds into
     * {@code tokens} (and their event bits into {@code readyEvents}, if not null). Returns how many;
     * 0 on timeout or when interrupted by a signal.
     */
    public int await(int timeoutMs, long[] tokens, int[] readyEvents) {
        int max = Math.min(capacity, tokens.length);
        int n = Native.libc().epoll_wait(fd.get(), events.address(), max, timeoutMs);
        if (n < 0) {
            int e = Native.errno();
            if (e == Errno.EINTR) return 0;
            throw NativeException.of("epoll_wait", e);
        }
        for (int i = 0; i < n; i++) {
            int base = i * LibC.EPOLL_EVENT_SIZE;
            if (readyEvents != null) readyEvents[i] = events.buffer().getInt(base);
            tokens[i] = events.buffer().getLong(base + 4);
        }
        return n;
    }

    public int fd() {
        return fd.get();
    }

    @Override
    public void close() {
        fd.closeOnce();
        events.close();
    }
}
