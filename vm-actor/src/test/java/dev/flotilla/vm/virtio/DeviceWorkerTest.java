package dev.flotilla.vm.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.kvm.EventFd;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The worker thread's contract on real eventfds and epoll: one thread at most, never abandoned; a bounded turn. */
class DeviceWorkerTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final EventFd[] queueEvents = {EventFd.create(true), EventFd.create(true)};
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private DeviceWorker worker;

    @AfterEach
    void close() {
        if (worker != null) worker.close();
        for (EventFd e : queueEvents) e.close();
    }

    private static long threadsNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name) && t.isAlive()).count();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) throw new AssertionError("timed out waiting until " + what);
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /** A handler whose queue-0 call blocks until released, as a worker does on a guest's huge request. */
    private static final class BusyHandler implements DeviceWorker.Handler {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void queueKicked(int q) {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void aResetWhileTheHandlerIsBusyNeverYieldsASecondThread() throws Exception {
        worker = new DeviceWorker("virtio-test-busy", queueEvents, failures::add);
        BusyHandler busy = new BusyHandler();
        worker.start(busy);
        worker.kick(0);
        assertTrue(busy.entered.await(WAIT.toSeconds(), TimeUnit.SECONDS));

        worker.stop();   // gives up waiting after its grace: the thread is still in the handler
        AtomicInteger secondCalls = new AtomicInteger();
        DeviceWorker.Handler second = q -> secondCalls.incrementAndGet();
        assertThrows(Exception.class, () -> worker.start(second), "a restart while the old thread runs is refused");
        assertEquals(1, threadsNamed("virtio-test-busy"), "never two worker threads");

        busy.release.countDown();
        await(() -> threadsNamed("virtio-test-busy") == 0, "the old thread has ended");
        worker.start(second);
        worker.kick(1);
        await(() -> secondCalls.get() == 1, "the new thread serves");
        assertEquals(1, threadsNamed("virtio-test-busy"));
    }

    @Test
    void aStoppedThreadIsKeptNotForgottenAndAStopIsFinalForIt() throws Exception {
        worker = new DeviceWorker("virtio-test-kept", queueEvents, failures::add, DeviceWorker.Budget.DEFAULT,
                Duration.ofMillis(1));
        BusyHandler busy = new BusyHandler();
        worker.start(busy);
        worker.kick(0);
        assertTrue(busy.entered.await(WAIT.toSeconds(), TimeUnit.SECONDS));

        assertFalse(worker.stop(), "the busy thread has not ended within the grace");
        assertTrue(worker.threadAlive(), "it is still the worker's");
        assertFalse(worker.running(), "but no longer serving");
        DeviceWorker.StillRunningException e = assertThrows(DeviceWorker.StillRunningException.class,
                () -> worker.start(q -> { }));
        assertTrue(e.getMessage().contains("reset the device again"), e.getMessage());

        busy.release.countDown();
        assertTrue(worker.awaitEnded(WAIT), "the old thread ends after its chain: its stop was not undone by the refused start");
        assertFalse(worker.threadAlive());
    }

    /** A drain loop over {@code pending} chains of queue {@code q}, as the devices write theirs. */
    private final class Drain implements DeviceWorker.Handler {
        final AtomicInteger[] pending = {new AtomicInteger(), new AtomicInteger()};
        final List<String> log = new CopyOnWriteArrayList<>();
        final AtomicInteger turns = new AtomicInteger();
        volatile int maxPerTurn;

        @Override
        public void queueKicked(int q) {
            turns.incrementAndGet();
            int taken = 0;
            while (pending[q].get() > 0 && worker.mayTakeChain()) {
                pending[q].decrementAndGet();
                log.add("q" + q);
                taken++;
            }
            maxPerTurn = Math.max(maxPerTurn, taken);
        }
    }

    @Test
    void aQueueWithMoreChainsThanTheBudgetIsServedInFullOverSeveralTurns() throws Exception {
        worker = new DeviceWorker("virtio-test-budget", queueEvents, failures::add, new DeviceWorker.Budget(3, Long.MAX_VALUE),
                DeviceWorker.DEFAULT_STOP_GRACE);
        Drain drain = new Drain();
        drain.pending[0].set(10);
        worker.start(drain);
        worker.kick(0);   // one kick for ten chains

        await(() -> drain.pending[0].get() == 0, "all ten chains are served");
        assertEquals(10, drain.log.size());
        assertEquals(3, drain.maxPerTurn, "no turn takes more than the budget");
        assertTrue(drain.turns.get() >= 4, "the worker re-armed itself: " + drain.turns.get() + " turns");
        assertTrue(failures.isEmpty(), failures.toString());
    }

    @Test
    void aBusyQueueCannotHoldTheThreadFromAnotherQueue() throws Exception {
        worker = new DeviceWorker("virtio-test-fair", queueEvents, failures::add, new DeviceWorker.Budget(4, Long.MAX_VALUE),
                DeviceWorker.DEFAULT_STOP_GRACE);
        Drain drain = new Drain();
        drain.pending[0].set(400);
        drain.pending[1].set(1);
        worker.start(drain);
        worker.kick(0);
        worker.kick(1);

        await(() -> drain.pending[0].get() == 0 && drain.pending[1].get() == 0, "both queues are served");
        int q1At = drain.log.indexOf("q1");
        assertTrue(q1At >= 0 && q1At <= 8, "queue 1 was served within the first two turns, at " + q1At);
    }

    @Test
    void aStopRequestedBetweenChainsIsHonouredBeforeTheNextChain() throws Exception {
        worker = new DeviceWorker("virtio-test-stop", queueEvents, failures::add);
        CountDownLatch onSecond = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        AtomicInteger served = new AtomicInteger();
        worker.start(q -> {
            while (served.get() < 1000 && worker.mayTakeChain()) {
                if (served.incrementAndGet() == 2) {
                    onSecond.countDown();
                    try {
                        goOn.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        });
        worker.kick(0);
        assertTrue(onSecond.await(WAIT.toSeconds(), TimeUnit.SECONDS));
        worker.requestStop();
        goOn.countDown();
        assertTrue(worker.awaitEnded(WAIT));
        assertEquals(2, served.get(), "no chain was taken after the stop request");
    }
}
