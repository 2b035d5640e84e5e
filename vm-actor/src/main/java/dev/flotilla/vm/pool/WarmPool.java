package dev.flotilla.vm.pool;

import dev.flotilla.vm.stats.Percentiles;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's mechanism, independent of what it pools (so it is unit-tested without KVM): per shape a
 * FIFO of ready entries, refill threads that keep each shape at its target, takes that never block.
 * <p>Threading: {@link #take}, {@link #stats}, {@link #awaitReady} and {@link #close} may be called from
 * any thread. One lock guards all state; it is never held while an entry is built or closed, so a take
 * costs a lock and a poll even while a refill waits in the kernel. A refill thread claims a build under
 * the lock ({@code inFlight}), so N threads never overshoot a target. The lock also publishes an entry
 * built on a refill thread to the thread that takes it (the VM fd's slot counter is plain state).
 * <p>Ownership: an entry belongs to the pool until {@link #take} returns it, then to the caller; it is
 * handed out once and never comes back. {@link #close} returns only after the refill threads have
 * ended and every entry still owned by the pool is closed.
 * <p>Time (backoff deadlines, refill durations) comes from an injected nanosecond clock, so tests move it
 * instead of waiting; the refill threads still wait on the lock's condition for at most the time the
 * clock says is left, and look at the clock again when they wake.
 */
final class WarmPool<E extends AutoCloseable> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WarmPool.class);
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(30);
    private static final int TIMES_WINDOW = 256;

    private final Map<VmShape, Integer> targets;
    private final Function<VmShape, E> factory;
    private final long maxBackoffNanos;
    private final LongSupplier clock;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when there may be something to build: a take, close. */
    private final Condition work = lock.newCondition();
    /** Signalled when an entry was added or the pool closed. */
    private final Condition changed = lock.newCondition();
    private final Map<VmShape, ArrayDeque<E>> ready = new HashMap<>();
    private final Map<VmShape, Integer> inFlight = new HashMap<>();
    private final Map<VmShape, Integer> consecutiveFailures = new HashMap<>();
    private final Map<VmShape, Long> retryAt = new HashMap<>();
    private final List<Thread> workers = new ArrayList<>();
    private final long[] refillNanos = new long[TIMES_WINDOW];
    private long refillCount;
    private long refillMaxNanos;
    private long hits, misses, unserved, built, failures, discarded;
    private boolean closed;

    /** @param nanoClock monotonic nanoseconds ({@code System::nanoTime} outside tests) */
    WarmPool(VmPoolConfig config, Function<VmShape, E> factory, String threadName, LongSupplier nanoClock) {
        this.clock = nanoClock;
        this.targets = config.targets();
        this.factory = factory;
        this.maxBackoffNanos = config.maxBackoff().toNanos();
        targets.keySet().forEach(s -> {
            ready.put(s, new ArrayDeque<>());
            inFlight.put(s, 0);
            consecutiveFailures.put(s, 0);
        });
        if (targets.isEmpty()) return;   // off: no thread at all
        for (int i = 0; i < config.refillThreads(); i++) {
            Thread t = new Thread(this::refillLoop, threadName + "-" + i);
            t.setDaemon(true);   // a pool nobody closed must not keep the JVM alive
            workers.add(t);
        }
        workers.forEach(Thread::start);
    }

    /** A ready entry of {@code shape}, now, or empty (none ready, shape not pooled, or closed). */
    Optional<E> take(VmShape shape) {
        lock.lock();
        try {
            ArrayDeque<E> q = ready.get(shape);
            if (q == null) {
                unserved++;
                return Optional.empty();
            }
            E e = closed ? null : q.pollFirst();
            if (e == null) {
                misses++;
                return Optional.empty();
            }
            hits++;
            work.signal();
            return Optional.of(e);
        } finally {
            lock.unlock();
        }
    }

    /** Waits until every pooled shape is at its target; false on timeout or if the pool closed first. */
    boolean awaitReady(Duration timeout) throws InterruptedException {
        long left = timeout.toNanos();
        lock.lock();
        try {
            while (!closed && !full()) {
                if (left <= 0) return false;
                left = changed.awaitNanos(left);
            }
            return !closed;
        } finally {
            lock.unlock();
        }
    }

    /** When (on the pool's clock) the next build of {@code shape} may start after a failure; empty when not backing off. */
    OptionalLong retryAt(VmShape shape) {
        lock.lock();
        try {
            Long at = retryAt.get(shape);
            return at == null ? OptionalLong.empty() : OptionalLong.of(at);
        } finally {
            lock.unlock();
        }
    }

    /** Builds claimed and not yet finished, all shapes. */
    int building() {
        lock.lock();
        try {
            return inFlight.values().stream().mapToInt(Integer::intValue).sum();
        } finally {
            lock.unlock();
        }
    }

    VmPoolStats stats() {
        lock.lock();
        try {
            Map<VmShape, Integer> now = new HashMap<>();
            ready.forEach((s, q) -> now.put(s, q.size()));
            int window = (int) Math.min(refillCount, TIMES_WINDOW);
            double[] recent = Arrays.stream(refillNanos, 0, window).asDoubleStream().sorted().toArray();
            var times = new VmPoolStats.RefillTimes(refillCount, window, ms(percentile(recent, 50)),
                    ms(percentile(recent, 95)), ms(refillMaxNanos));
            return new VmPoolStats(hits, misses, unserved, built, failures, discarded, now, targets, times);
        } finally {
            lock.unlock();
        }
    }

    /** Stops refilling, waits for builds in progress, closes every entry not taken. Idempotent. */
    @Override
    public synchronized void close() {
        lock.lock();
        try {
            closed = true;
            work.signalAll();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        boolean interrupted = false;
        for (Thread t : workers) {
            long deadline = System.nanoTime() + JOIN_TIMEOUT.toNanos();
            while (t.isAlive() && System.nanoTime() < deadline) {
                try {
                    t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    interrupted = true;   // finish releasing first: an early return would leak entries
                }
            }
            if (t.isAlive()) {
                log.warn("pool refill thread {} still building after {} s; it will release its VM itself", t.getName(),
                        JOIN_TIMEOUT.toSeconds());
            }
        }
        List<E> left = new ArrayList<>();
        lock.lock();
        try {
            ready.values().forEach(q -> {
                left.addAll(q);
                q.clear();
            });
            discarded += left.size();
        } finally {
            lock.unlock();
        }
        left.forEach(this::release);
        if (interrupted) Thread.currentThread().interrupt();
    }

    private void refillLoop() {
        try {
            while (true) {
                VmShape shape = claimNext();
                if (shape == null) return;
                build(shape);
            }
        } catch (InterruptedException e) {
            // only close ends the workers; an interrupt from elsewhere ends refilling, takes just miss
            log.warn("pool refill thread {} interrupted; the pool no longer refills", Thread.currentThread().getName());
        }
    }

    /** Blocks until a shape is below target and not backing off, claims one build of it; null once closed. */
    private VmShape claimNext() throws InterruptedException {
        lock.lock();
        try {
            while (!closed) {
                long now = clock.getAsLong();
                long nextRetry = Long.MAX_VALUE;
                for (Map.Entry<VmShape, Integer> t : targets.entrySet()) {
                    VmShape s = t.getKey();
                    if (ready.get(s).size() + inFlight.get(s) >= t.getValue()) continue;
                    Long at = retryAt.get(s);
                    if (at != null && at - now > 0) {
                        nextRetry = Math.min(nextRetry, at - now);
                        continue;
                    }
                    inFlight.merge(s, 1, Integer::sum);
                    return s;
                }
                if (nextRetry == Long.MAX_VALUE) work.await();
                else work.awaitNanos(nextRetry);
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    private void build(VmShape shape) {
        long t0 = clock.getAsLong();
        E entry = null;
        Throwable failure = null;
        try {
            entry = factory.apply(shape);
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        long took = clock.getAsLong() - t0;
        boolean keep = false;
        int failuresInARow = 0;
        lock.lock();
        try {
            inFlight.merge(shape, -1, Integer::sum);
            if (entry != null) {
                built++;
                keep = !closed;
                if (keep) {
                    ready.get(shape).addLast(entry);
                    refillNanos[(int) (refillCount % TIMES_WINDOW)] = took;
                    refillCount++;
                    refillMaxNanos = Math.max(refillMaxNanos, took);
                    consecutiveFailures.put(shape, 0);
                    retryAt.remove(shape);
                    changed.signalAll();
                } else {
                    discarded++;
                }
            } else {
                failures++;
                failuresInARow = consecutiveFailures.merge(shape, 1, Integer::sum);
                long backoff = Math.min(maxBackoffNanos, FIRST_BACKOFF_NANOS << Math.min(failuresInARow - 1, 30));
                retryAt.put(shape, clock.getAsLong() + backoff);
            }
        } finally {
            lock.unlock();
        }
        if (entry != null && !keep) release(entry);
        // first failure and then at powers of two: a host out of memory must not flood the log
        if (failure != null && Integer.bitCount(failuresInARow) == 1) {
            log.warn("pool: pre-creating a {} VM failed ({} in a row; VMs of this size are built cold meanwhile,"
                    + " retrying with backoff): {}", shape, failuresInARow, failure.toString());
        }
        if (failure instanceof VirtualMachineError vme) throw vme;
    }

    private boolean full() {
        for (Map.Entry<VmShape, Integer> t : targets.entrySet()) {
            if (ready.get(t.getKey()).size() < t.getValue()) return false;
        }
        return true;
    }

    private void release(E entry) {
        try {
            entry.close();
        } catch (Exception e) {
            log.warn("pool: releasing an unused pre-created VM failed: {}", e.toString());
        }
    }

    private static double percentile(double[] ascending, double p) {
        return ascending.length == 0 ? 0 : Percentiles.ofAscending(ascending, p);
    }

    private static double ms(double nanos) {
        return nanos / 1e6;
    }
}
