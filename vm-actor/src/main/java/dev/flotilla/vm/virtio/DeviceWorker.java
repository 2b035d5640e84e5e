package dev.flotilla.vm.virtio;

import dev.flotilla.kvm.Epoll;
import dev.flotilla.kvm.EventFd;
import dev.flotilla.kvm.sys.LibC;
import java.time.Duration;
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
 *
 * <p><b>Contract.</b>
 * <ul>
 *   <li><i>At most one thread, never abandoned.</i> {@link #stop()} asks the thread to end and waits for
 *       it up to the worker's stop grace; a thread still busy then (a guest's huge request) is not
 *       forgotten: {@link #start} refuses with {@link StillRunningException} until it has ended, so two
 *       threads never serve one device, and {@link #close()} waits for it without limit before it frees
 *       the epoll buffer and fds. A stop request is final for the thread it was made to: a later
 *       {@code start} makes a new thread, it never revives the old one.</li>
 *   <li><i>Work per turn is bounded.</i> Each handler call is one turn. A drain loop asks
 *       {@link #mayTakeChain()} before every chain it takes and reports big chains with {@link #spend};
 *       the answer is false once a stop was requested or the turn's {@link Budget} is used up. In the
 *       second case the worker re-arms the same event itself (the queue's eventfd, the backend's
 *       readiness, the deadline) so the handler is called again after the other ready events had their
 *       turn: a queue with more chains than the budget is still served in full, over several turns, and
 *       one guest cannot hold the thread. This is the only place drain loops look for either.</li>
 *   <li><i>Release order.</i> Whoever frees what the thread touches (guest RAM, the device's fds) first
 *       calls {@link #requestStop()} and {@link #awaitEnded}; {@code VmResources} does so for every device
 *       of a VM before it unmaps anything.</li>
 * </ul>
 */
public final class DeviceWorker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DeviceWorker.class);

    /** Tokens below this are queue indexes; the wake-up fd uses {@link #WAKE}; backend fds choose their own above. */
    public static final long FIRST_BACKEND_TOKEN = 1_000;
    private static final long WAKE = 999;
    /** How long {@link #stop()} (a device reset, on a vCPU thread) waits before leaving the thread to finish alone. */
    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(5);
    private static final int MAX_EVENTS = 16;
    private static final Duration CLOSE_LOG_EVERY = Duration.ofSeconds(5);

    /**
     * What one turn (one handler call) may take before the worker makes the handler yield.
     *
     * @param chains descriptor chains per turn, at least 1
     * @param bytes  bytes per turn as reported through {@link #spend}; the chain that crosses it still completes
     */
    public record Budget(int chains, long bytes) {
        /** Enough to keep a device's throughput (a turn costs one eventfd round trip), small enough to share the thread. */
        public static final Budget DEFAULT = new Budget(128, 32L << 20);

        public Budget {
            if (chains < 1 || bytes < 1) throw new IllegalArgumentException("a worker budget needs at least 1 chain and 1 byte per turn");
        }
    }

    /** {@link #start} found the previous thread still finishing a request after a stop. */
    public static final class StillRunningException extends Exception {
        StillRunningException(String message) {
            super(message);
        }
    }

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

    /** One thread's life: its handler and its own stop flag, which no later start can clear. */
    private static final class Run {
        final Handler handler;
        volatile boolean stopping;
        Thread thread;

        Run(Handler handler) {
            this.handler = handler;
        }
    }

    private final String name;
    private final EventFd[] queueEvents;
    private final EventFd wake = EventFd.create(true);
    private final Epoll epoll;
    private final Consumer<Throwable> onFailure;
    private final Budget budget;
    private final Duration stopGrace;
    private volatile long deadlineNanos = Long.MAX_VALUE;
    /** The thread serving or last served; kept until it has ended. Written under this. */
    private volatile Run run;
    private boolean closed;

    // worker thread only: the current turn
    private int turnChains;
    private long turnBytes;
    private boolean turnCut;
    private final long[] againTokens = new long[MAX_EVENTS];
    private final int[] againEvents = new int[MAX_EVENTS];
    private int againCount;

    /**
     * @param queueEvents one eventfd per queue (non-blocking), registered with KVM as ioeventfds by the VM
     */
    public DeviceWorker(String name, EventFd[] queueEvents, Consumer<Throwable> onFailure) {
        this(name, queueEvents, onFailure, Budget.DEFAULT, DEFAULT_STOP_GRACE);
    }

    public DeviceWorker(String name, EventFd[] queueEvents, Consumer<Throwable> onFailure, Budget budget,
                        Duration stopGrace) {
        this.name = name;
        this.queueEvents = queueEvents.clone();
        this.onFailure = onFailure;
        this.budget = budget;
        this.stopGrace = stopGrace;
        this.epoll = Epoll.create(MAX_EVENTS);
        for (int q = 0; q < queueEvents.length; q++) epoll.add(queueEvents[q].fd(), LibC.EPOLLIN, q);
        epoll.add(wake.fd(), LibC.EPOLLIN, WAKE);
    }

    public String name() {
        return name;
    }

    public Budget budget() {
        return budget;
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
        if (!onWorkerThread()) wake.signal();
    }

    /**
     * Starts serving with {@code h} (device activation) on a new thread.
     *
     * @throws StillRunningException if the thread of an earlier start is still finishing its last chain
     *         after {@link #stop()}; the caller refuses the activation (the driver may reset and retry)
     * @throws IllegalStateException if the worker is serving already or was closed: a device bug
     */
    public synchronized void start(Handler h) throws StillRunningException {
        if (closed) throw new IllegalStateException("worker " + name + " is closed");
        Run previous = run;
        if (previous != null && previous.thread.isAlive()) {
            if (!previous.stopping) throw new IllegalStateException("worker " + name + " already running");
            throw new StillRunningException("the device's previous worker thread " + name
                    + " is still finishing a request from before the reset; reset the device again once it completes");
        }
        Run r = new Run(h);
        r.thread = new Thread(null, () -> loop(r), name, 256 * 1024);
        r.thread.setDaemon(true);
        deadlineNanos = Long.MAX_VALUE;
        run = r;
        r.thread.start();
    }

    /**
     * Asks the thread to end after the chain it is on, and returns at once. Any thread; idempotent.
     * The thread stays this worker's until it has ended (see {@link #awaitEnded}).
     */
    public synchronized void requestStop() {
        Run r = run;
        if (r == null || r.stopping) return;
        r.stopping = true;
        wake.signal();
    }

    /**
     * Waits up to {@code limit} for the thread to end (at once if there is none, or if called on it).
     *
     * @return true if no thread of this worker is alive any more
     */
    public boolean awaitEnded(Duration limit) {
        Thread t;
        synchronized (this) {
            t = run == null ? null : run.thread;
        }
        if (t == null || t == Thread.currentThread()) return true;
        try {
            t.join(Math.max(1, limit.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }

    /**
     * Stops serving (device reset): {@link #requestStop()}, then waits up to the stop grace. The fds stay
     * open for a later start.
     *
     * @return true if the thread has ended; false if it is still finishing a chain, in which case it is
     *         kept (not abandoned) and {@link #start} refuses until it has ended
     */
    public boolean stop() {
        requestStop();
        boolean ended = awaitEnded(stopGrace);
        if (!ended) {
            log.atWarn().addKeyValue("worker", name).addKeyValue("grace_ms", stopGrace.toMillis())
                    .log("device worker {} is still finishing a request after {} ms; the device cannot restart until it has",
                            name, stopGrace.toMillis());
        }
        return ended;
    }

    /** Wakes queue {@code q} by hand: the QueueNotify MMIO path, when no ioeventfd took the write. */
    public void kick(int q) {
        queueEvents[q].signal();
    }

    /** True while a started thread has not been asked to stop. */
    public synchronized boolean running() {
        return run != null && !run.stopping;
    }

    /** True while any thread of this worker is alive, one asked to stop included. */
    public synchronized boolean threadAlive() {
        return run != null && run.thread.isAlive();
    }

    /**
     * Asked by a drain loop before it takes each chain: true while no stop was requested and this turn's
     * {@link Budget} lasts. When the budget is what says no, the worker calls the handler again for the
     * same event on a later turn; the loop just returns. Called off the worker thread (a test driving a
     * device by hand), only the stop is checked.
     */
    public boolean mayTakeChain() {
        Run r = run;
        if (r == null || r.stopping) return false;
        if (r.thread != Thread.currentThread()) return true;
        if (turnChains >= budget.chains() || turnBytes >= budget.bytes()) {
            turnCut = true;
            return false;
        }
        turnChains++;
        return true;
    }

    /** Counts {@code bytes} a chain moved against this turn's budget. Worker thread. */
    public void spend(long bytes) {
        if (bytes > 0) turnBytes += bytes;
    }

    private boolean onWorkerThread() {
        Run r = run;
        return r != null && r.thread == Thread.currentThread();
    }

    private void loop(Run r) {
        long[] tokens = new long[MAX_EVENTS];
        int[] events = new int[MAX_EVENTS];
        long[] carried = new long[MAX_EVENTS];
        int[] carriedEvents = new int[MAX_EVENTS];
        Handler h = r.handler;
        againCount = 0;
        while (!r.stopping) {
            int carriedCount = againCount;
            System.arraycopy(againTokens, 0, carried, 0, carriedCount);
            System.arraycopy(againEvents, 0, carriedEvents, 0, carriedCount);
            againCount = 0;
            int timeoutMs = carriedCount > 0 ? 0 : timeoutMs();
            int n;
            try {
                n = epoll.await(timeoutMs, tokens, events);
            } catch (RuntimeException e) {
                fail(e);
                return;
            }
            for (int i = 0; i < n && !r.stopping; i++) {
                long token = tokens[i];
                if (token == WAKE) {
                    wake.read();
                } else if (token < queueEvents.length) {
                    queueEvents[(int) token].read();
                    turn(h, token, 0);
                } else {
                    turn(h, token, events[i]);
                }
            }
            for (int i = 0; i < carriedCount && !r.stopping; i++) turn(h, carried[i], carriedEvents[i]);
            if (!r.stopping && deadlineNanos != Long.MAX_VALUE && System.nanoTime() - deadlineNanos >= 0) {
                deadlineNanos = Long.MAX_VALUE;
                turn(h, -1, 0);
            }
        }
    }

    private int timeoutMs() {
        long deadline = deadlineNanos;
        if (deadline == Long.MAX_VALUE) return -1;
        long left = deadline - System.nanoTime();
        return left <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000);
    }

    /** One handler call with a fresh budget; {@code token} -1 is the deadline. Re-arms the event if the budget cut it short. */
    private void turn(Handler h, long token, int events) {
        turnChains = 0;
        turnBytes = 0;
        turnCut = false;
        try {
            if (token < 0) h.deadlineReached();
            else if (token < queueEvents.length) h.queueKicked((int) token);
            else h.backendReady(token, events);
        } catch (RuntimeException | Error e) {
            fail(e);
        }
        if (!turnCut) return;
        if (token < 0) {
            long now = System.nanoTime();
            if (deadlineNanos == Long.MAX_VALUE || deadlineNanos - now > 0) deadlineNanos = now;
        } else if (token < queueEvents.length) {
            queueEvents[(int) token].signal();   // through epoll again: the other ready fds go first
        } else {
            carry(token, events);
        }
    }

    private void carry(long token, int events) {
        for (int i = 0; i < againCount; i++) {
            if (againTokens[i] == token) {
                againEvents[i] |= events;
                return;
            }
        }
        if (againCount == againTokens.length) {
            // more distinct backends than one epoll batch holds: the rest are level-triggered and come back by themselves
            return;
        }
        againTokens[againCount] = token;
        againEvents[againCount] = events;
        againCount++;
    }

    private void fail(Throwable e) {
        log.atWarn().addKeyValue("worker", name).setCause(e).log("device worker {} failed: {}", name, e.toString());
        try {
            onFailure.accept(e);
        } catch (RuntimeException ignored) {
            // the failure path itself must never kill the worker
        }
    }

    /**
     * Stops the thread and waits for it without limit, logging while it takes long; the fds stay open.
     * For the owner's teardown, where what the thread touches is freed next. Any thread but the worker's.
     */
    public void stopAndWait() {
        requestStop();
        long waitedMs = 0;
        while (!awaitEnded(CLOSE_LOG_EVERY)) {
            waitedMs += CLOSE_LOG_EVERY.toMillis();
            log.atWarn().addKeyValue("worker", name).addKeyValue("waited_ms", waitedMs)
                    .log("device worker {} still finishing a request after {} ms; what it uses stays allocated until it ends",
                            name, waitedMs);
        }
    }

    /** {@link #stopAndWait()}, then frees the epoll buffer and the wake-up fd: nothing is freed under a live thread. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        stopAndWait();
        epoll.close();
        wake.close();
    }
}
