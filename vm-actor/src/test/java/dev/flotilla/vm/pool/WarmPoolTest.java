package dev.flotilla.vm.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WarmPoolTest {

    private static final VmShape SMALL = new VmShape(128);
    private static final VmShape LARGE = new VmShape(512);
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Stands in for a pre-created VM: knows its shape and how often it was closed. */
    static final class FakeVm implements AutoCloseable {
        final int id;
        final VmShape shape;
        final AtomicInteger closes = new AtomicInteger();

        FakeVm(int id, VmShape shape) {
            this.id = id;
            this.shape = shape;
        }

        @Override
        public void close() {
            closes.incrementAndGet();
        }
    }

    private final List<FakeVm> created = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();
    /** The pool's clock: moves only when a test says so (backoff deadlines are read from it). */
    private final AtomicLong clock = new AtomicLong(1_000_000_000_000L);
    private WarmPool<FakeVm> pool;

    @AfterEach
    void closePool() {
        if (pool != null) pool.close();
    }

    private Function<VmShape, FakeVm> factory() {
        return shape -> {
            FakeVm vm = new FakeVm(ids.incrementAndGet(), shape);
            created.add(vm);
            return vm;
        };
    }

    private WarmPool<FakeVm> start(VmPoolConfig config, Function<VmShape, FakeVm> factory) {
        pool = new WarmPool<>(config, factory, "test-refill", clock::get);
        return pool;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + WAIT + " waiting for " + what);
            Thread.onSpinWait();
        }
    }

    @Test
    void fillsEveryShapeToItsTargetAndNoFurther() throws Exception {
        start(new VmPoolConfig(Map.of(SMALL, 3, LARGE, 1), 2, Duration.ofSeconds(1)), factory());
        assertTrue(pool.awaitReady(WAIT));
        // full and nothing in flight: a refill thread can only build again after a take
        assertEquals(0, pool.building());
        assertEquals(4, created.size());
        assertEquals(3, created.stream().filter(v -> v.shape.equals(SMALL)).count());
        VmPoolStats s = pool.stats();
        assertEquals(Map.of(SMALL, 3, LARGE, 1), s.ready());
        assertEquals(4, s.built());
        assertEquals(4, s.refill().count());
    }

    @Test
    void eachEntryIsHandedOutOnceAndTheTakenOnesAreReplaced() throws Exception {
        start(VmPoolConfig.of(128, 3), factory());
        assertTrue(pool.awaitReady(WAIT));
        List<FakeVm> taken = new ArrayList<>();
        for (int i = 0; i < 3; i++) taken.add(pool.take(SMALL).orElseThrow());
        assertEquals(3, taken.stream().map(v -> v.id).distinct().count());
        assertTrue(pool.awaitReady(WAIT), "refilled after the takes");
        assertEquals(6, created.size());
        for (int i = 0; i < 3; i++) {
            FakeVm again = pool.take(SMALL).orElseThrow();
            assertFalse(taken.contains(again), "an entry came out of the pool twice");
        }
        assertEquals(6, pool.stats().hits());
        assertTrue(taken.stream().allMatch(v -> v.closes.get() == 0), "the pool closed an entry it had handed out");
    }

    @Test
    void anEmptyPoolAnswersAtOnceWithAMiss() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        CountDownLatch building = new CountDownLatch(1);
        start(VmPoolConfig.of(128, 2), shape -> {
            building.countDown();
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new FakeVm(0, shape);
        });
        assertTrue(building.await(WAIT.toSeconds(), TimeUnit.SECONDS));
        // the refill is blocked in the factory until after the take: a take that waited for it would never return
        CompletableFuture<Optional<FakeVm>> take = CompletableFuture.supplyAsync(() -> pool.take(SMALL));
        assertEquals(Optional.empty(), take.get(WAIT.toSeconds(), TimeUnit.SECONDS), "take waited for a refill");
        assertEquals(1, pool.stats().misses());
        assertEquals(0, pool.stats().hits());
        never.countDown();
    }

    @Test
    void aShapeThePoolDoesNotKeepIsUnservedNotMissed() throws Exception {
        start(VmPoolConfig.of(128, 1), factory());
        assertTrue(pool.awaitReady(WAIT));
        assertEquals(Optional.empty(), pool.take(LARGE));
        VmPoolStats s = pool.stats();
        assertEquals(1, s.unserved());
        assertEquals(0, s.misses());
        assertEquals(1, created.size(), "a take of another shape must not build anything");
    }

    @Test
    void targetZeroStartsNoThreadAndBuildsNothing() throws Exception {
        start(VmPoolConfig.of(128, 0), factory());
        assertFalse(VmPoolConfig.of(128, 0).enabled());
        // threads are started by the constructor: none now means none ever
        assertEquals(0, Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("test-refill")).count());
        assertEquals(Optional.empty(), pool.take(SMALL));
        assertEquals(0, created.size());
    }

    @Test
    void closeReleasesWhatIsReadyAndWhatWasStillBeingBuilt() throws Exception {
        CountDownLatch building = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        start(VmPoolConfig.of(128, 3), shape -> {
            FakeVm vm = new FakeVm(calls.incrementAndGet(), shape);
            created.add(vm);
            if (vm.id == 3) {   // the third build is still running when close begins
                building.countDown();
                try {
                    finish.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return vm;
        });
        assertTrue(building.await(10, TimeUnit.SECONDS));
        FakeVm taken = pool.take(SMALL).orElseThrow();
        Thread closer = new Thread(pool::close);
        closer.start();
        await("close waiting for the refill thread", () -> !closer.isAlive() || isJoining(closer));
        assertTrue(closer.isAlive(), "close returned while a build was still in progress");
        assertTrue(created.stream().allMatch(v -> v.closes.get() == 0), "an entry released before the refill threads ended");
        finish.countDown();
        closer.join(10_000);
        assertFalse(closer.isAlive());

        assertEquals(0, taken.closes.get(), "the pool closed the entry it had handed out");
        for (FakeVm vm : created) {
            if (vm != taken) assertEquals(1, vm.closes.get(), "entry " + vm.id + " closed once by close()");
        }
        assertEquals(created.size() - 1, pool.stats().discarded());
        assertEquals(created.size(), pool.stats().built(), "built counts the one finished during close too");
        assertEquals(0, Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("test-refill") && t.isAlive()).count(), "refill threads left");
        assertEquals(Optional.empty(), pool.take(SMALL), "a closed pool hands out nothing");
    }

    @Test
    void failedRefillsBackOffAndThePoolRecovers() throws Exception {
        List<Long> attempts = new CopyOnWriteArrayList<>();
        start(VmPoolConfig.of(128, 1), shape -> {
            attempts.add(clock.get());
            if (attempts.size() <= 3) throw new IllegalStateException("mmap(guest RAM): ENOMEM");
            return new FakeVm(attempts.size(), shape);
        });
        // 50, 100, 200 ms after the first, second and third failure, on the pool's clock
        for (int failure = 1; failure <= 3; failure++) {
            int seen = failure;
            long backoff = TimeUnit.MILLISECONDS.toNanos(50L << (failure - 1));
            await("failure " + failure + " recorded", () -> pool.stats().failures() == seen && pool.retryAt(SMALL).isPresent());
            long failedAt = attempts.get(failure - 1);
            assertEquals(failedAt + backoff, pool.retryAt(SMALL).getAsLong(), "backoff after failure " + failure);
            clock.addAndGet(backoff - 1);
            assertEquals(failure, attempts.size(), "no retry before the backoff has passed");
            clock.addAndGet(1);
            await("retry " + failure + " once the backoff has passed", () -> attempts.size() == seen + 1);
        }
        assertTrue(pool.awaitReady(WAIT));
        assertEquals(4, attempts.size());
        VmPoolStats s = pool.stats();
        assertEquals(3, s.failures());
        assertEquals(1, s.built());
        assertTrue(pool.retryAt(SMALL).isEmpty(), "a success ends the backoff");
    }

    @Test
    void backoffIsCappedAtTheConfiguredMaximum() throws Exception {
        List<Long> attempts = new CopyOnWriteArrayList<>();
        start(VmPoolConfig.of(128, 1).withMaxBackoff(Duration.ofMillis(60)), shape -> {
            attempts.add(clock.get());
            if (attempts.size() <= 6) throw new IllegalStateException("KVM_CREATE_VM: EMFILE");
            return new FakeVm(1, shape);
        });
        // uncapped, the backoffs would be 50, 100, 200, 400, 800, 1600 ms; capped, 50 then 60 each
        for (int failure = 1; failure <= 6; failure++) {
            int seen = failure;
            await("failure " + failure + " recorded", () -> pool.stats().failures() == seen && pool.retryAt(SMALL).isPresent());
            long backoff = pool.retryAt(SMALL).getAsLong() - attempts.get(failure - 1);
            assertEquals(TimeUnit.MILLISECONDS.toNanos(failure == 1 ? 50 : 60), backoff, "backoff after failure " + failure);
            clock.addAndGet(backoff);
            await("retry " + failure, () -> attempts.size() == seen + 1);
        }
        assertTrue(pool.awaitReady(WAIT), "backoff not capped: " + pool.stats().describe());
    }

    /** True while {@code t} waits in {@link Thread#join}: close() is waiting for a refill thread. */
    private static boolean isJoining(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().equals(Thread.class.getName()) && e.getMethodName().equals("join")) return true;
        }
        return false;
    }

    @Test
    void concurrentTakersNeverShareAnEntryAndNothingLeaks() throws Exception {
        start(new VmPoolConfig(Map.of(SMALL, 4), 2, Duration.ofSeconds(1)), factory());
        Set<FakeVm> taken = Collections.newSetFromMap(new ConcurrentHashMap<>());
        AtomicInteger duplicates = new AtomicInteger();
        ExecutorService takers = Executors.newFixedThreadPool(6);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            done.add(takers.submit(() -> {
                for (int i = 0; i < 300; i++) {
                    pool.take(SMALL).ifPresent(vm -> {
                        if (!taken.add(vm)) duplicates.incrementAndGet();
                    });
                    if (i % 10 == 0) Thread.yield();
                }
            }));
        }
        for (Future<?> f : done) f.get(20, TimeUnit.SECONDS);
        takers.shutdown();
        VmPoolStats before = pool.stats();
        pool.close();

        assertEquals(0, duplicates.get(), "an entry was handed out twice");
        assertEquals(6 * 300, before.hits() + before.misses());
        assertEquals(taken.size(), before.hits());
        assertTrue(before.hits() > 0, "no take ever hit: the test measured nothing");
        for (FakeVm vm : created) {
            assertEquals(taken.contains(vm) ? 0 : 1, vm.closes.get(), "entry " + vm.id + " taken=" + taken.contains(vm));
        }
    }
}
