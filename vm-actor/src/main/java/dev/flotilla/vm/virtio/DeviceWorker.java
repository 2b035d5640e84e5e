package dev.flotilla.vm.virtio;

import dev.flotilla.kvm.Epoll;
import dev.flotilla.kvm.EventFd;
import dev.flotilla.kvm.sys.LibC;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data-plane thread of one virtio device: a platform thread {@code virtio-<vm>-<device>} that waits
 * in epoll on the device's queue eventfds (which KVM signals through ioeventfds, so a guest kick costs
 * no VM exit), on any backend fds the device adds (a TAP, sockets), and on a deadline the device sets
 * (a rate limiter's refill), and calls the device's {@link Handler} for each. Never an Akka dispatcher.
 * <p>A handler that throws does not kill the thread or the VM: the failure goes to {@code onFailure}
 * (which typically marks the device NEEDS_RESET and reports it to the device's actor) and the loop
 * goes on.
 */
public final class DeviceWorker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DeviceWorker.class);

    /** Tokens below this are queue indexes; the wake-up fd uses {@link #WAKE}; backend fds choose their own above. */
    public static final long FIRST_BACKEND_TOKEN = 1_000;
    private static final long WAKE = 999;

    /** What the worker calls, always on its own thread. */
    public interface Handler {
        /** Queue {@code q} was kicked. */
        void queueKicked(int q);

        /** A backend fd the device registered is ready ({@code events}: EPOLLIN/OUT/ERR/HUP bits). */
        default void backendReady(long token, int events) {
        }

        /** The deadline set with {@link DeviceWorker#setDeadline} passed. */
        default void deadlineReached() {
        }
    }

    private final String name;
    private final EventFd[] queueEvents;
    private final EventFd wake = EventFd.create(true);
    private final Epoll epoll;
    private final Consumer<Throwable> onFailure;
    private volatile Handler handler;
    private volatile boolean stopping;
    private volatile long deadlineNanos = Long.MAX_VALUE;
    private Thread thread;

    /**
     * @param queueEvents one eventfd per queue (non-blocking), registered with KVM as ioeventfds by the VM
     */
    public DeviceWorker(String name, EventFd[] queueEvents, Consumer<Throwable> onFailure) {
        this.name = name;
        this.queueEvents = queueEvents.clone();
        this.onFailure = onFailure;
        this.epoll = Epoll.create(16);
        for (int q = 0; q < queueEvents.length; q++) epoll.add(queueEvents[q].fd(), LibC.EPOLLIN, q);
        epoll.add(wake.fd(), LibC.EPOLLIN, WAKE);
    }

    /** Watches a backend fd; {@code token} ≥ {@link #FIRST_BACKEND_TOKEN}. Any thread. */
    public void addBackend(int fd, int events, long token) {
        if (token < FIRST_BACKEND_TOKEN) throw new IllegalArgumentException("backend tokens start at " + FIRST_BACKEND_TOKEN);
        epoll.add(fd, events, token);
    }

    public void modifyBackend(int fd, int events, long token) {
        epoll.modify(fd, events, token);
    }

    public void removeBackend(int fd) {
        epoll.remove(fd);
    }

    /** Calls {@link Handler#deadlineReached()} once {@code System.nanoTime()} passes it; Long.MAX_VALUE clears it. */
    public void setDeadline(long nanoTime) {
        deadlineNanos = nanoTime;
        if (Thread.currentThread() != thread) wake.signal();
    }

    /** Starts serving with {@code h} (device activation). */
    public synchronized void start(Handler h) {
        if (thread != null) throw new IllegalStateException("worker " + name + " already running");
        handler = h;
        stopping = false;
        thread = new Thread(null, this::loop, name, 256 * 1024);
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops serving and waits for the thread (device reset); the fds stay open for a later start. */
    public synchronized void stop() {
        Thread t = thread;
        if (t == null) return;
        stopping = true;
        wake.signal();
        if (t != Thread.currentThread()) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) log.atError().addKeyValue("worker", name).log("device worker {} did not stop within 5 s", name);
        }
        thread = null;
        handler = null;
        deadlineNanos = Long.MAX_VALUE;
    }

    /** Wakes queue {@code q} by hand: the QueueNotify MMIO path, when no ioeventfd took the write. */
    public void kick(int q) {
        queueEvents[q].signal();
    }

    public boolean running() {
        return thread != null;
    }

    private void loop() {
        long[] tokens = new long[16];
        int[] events = new int[16];
        while (!stopping) {
            long deadline = deadlineNanos;
            int timeoutMs = -1;
            if (deadline != Long.MAX_VALUE) {
                long left = deadline - System.nanoTime();
                timeoutMs = left <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000);
            }
            int n;
            try {
                n = epoll.await(timeoutMs, tokens, events);
            } catch (RuntimeException e) {
                fail(e);
                return;
            }
            Handler h = handler;
            for (int i = 0; i < n && !stopping; i++) {
                long token = tokens[i];
                try {
                    if (token == WAKE) {
                        wake.read();
                    } else if (token < queueEvents.length) {
                        queueEvents[(int) token].read();
                        h.queueKicked((int) token);
                    } else {
                        h.backendReady(token, events[i]);
                    }
                } catch (RuntimeException | Error e) {
                    fail(e);
                }
            }
            if (!stopping && deadlineNanos != Long.MAX_VALUE && System.nanoTime() - deadlineNanos >= 0) {
                deadlineNanos = Long.MAX_VALUE;
                try {
                    h.deadlineReached();
                } catch (RuntimeException | Error e) {
                    fail(e);
                }
            }
        }
    }

    private void fail(Throwable e) {
        log.atWarn().addKeyValue("worker", name).setCause(e).log("device worker {} failed: {}", name, e.toString());
        try {
            onFailure.accept(e);
        } catch (RuntimeException ignored) {
            // the failure path itself must never kill the worker
        }
    }

    @Override
    public void close() {
        stop();
        epoll.close();
        wake.close();
    }
}
