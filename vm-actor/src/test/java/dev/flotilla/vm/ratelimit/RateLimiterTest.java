package dev.flotilla.vm.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private final FakeClock clock = new FakeClock();

    /**
     * Runs a greedy client for {@code seconds} of simulated time: it sends {@code requestBytes}
     * requests back to back and, when refused, sleeps exactly nanosUntilAvailable(). Returns bytes
     * and ops that passed after the initial full buckets were spent.
     */
    private long[] drive(RateLimiter rl, long requestBytes, long seconds) {
        // Spend the initial full buckets first: they are a one-off, not the rate.
        while (rl.consume(requestBytes)) {
            // drain
        }
        long start = clock.now;
        long end = start + seconds * 1_000_000_000L;
        long bytes = 0;
        long ops = 0;
        int refusedInARow = 0;
        while (clock.now < end) {
            if (rl.consume(requestBytes)) {
                bytes += requestBytes;
                ops++;
                refusedInARow = 0;
            } else {
                long wait = rl.nanosUntilAvailable();
                assertTrue(wait > 0, "refused but told to retry at once: that is a busy loop");
                clock.advanceNanos(wait);
                assertTrue(++refusedInARow < 3, "nanosUntilAvailable() was too short twice running");
            }
        }
        return new long[] {bytes, ops, clock.now - start};
    }

    @Test
    void bandwidthLimitHoldsOverASimulatedTimelineWithinOnePercent() {
        long rate = 10_000_000;   // 10 MB/s as a 1 MB bucket refilled every 100 ms
        RateLimiter rl = new RateLimiter(BucketConfig.of(1_000_000, 100), null, clock);
        long[] r = drive(rl, 64 * 1024, 20);
        double measured = r[0] / (r[2] / 1e9);
        assertEquals(rate, measured, rate * 0.01, "measured " + measured + " B/s");
        assertTrue(rl.metrics().throttled() > 0);
    }

    @Test
    void opsLimitHoldsOverASimulatedTimelineWithinOnePercent() {
        long rate = 1000;   // 1000 requests/s
        RateLimiter rl = new RateLimiter(BucketConfig.of(10_000_000, 1000), BucketConfig.of(100, 100), clock);
        long[] r = drive(rl, 512, 10);
        double measured = r[1] / (r[2] / 1e9);
        assertEquals(rate, measured, rate * 0.01, "measured " + measured + " ops/s");
    }

    @Test
    void oversizedRequestsStillHoldTheRate() {
        long rate = 1_000_000;   // 1 MB/s, requests of 2.5 MB: every one is an overconsumption
        RateLimiter rl = new RateLimiter(BucketConfig.of(100_000, 100), null, clock);
        long[] r = drive(rl, 2_500_000, 30);
        double measured = r[0] / (r[2] / 1e9);
        assertEquals(rate, measured, rate * 0.1, "measured " + measured + " B/s");
        assertTrue(rl.metrics().overconsumptions() > 5);
    }

    @Test
    void refusedByEitherBucketTakesFromNeither() {
        RateLimiter rl = new RateLimiter(BucketConfig.of(1000, 1000), BucketConfig.of(2, 1000), clock);
        assertTrue(rl.consume(100));
        assertTrue(rl.consume(100));
        assertFalse(rl.consume(100), "ops exhausted");
        assertEquals(800, rl.bandwidth().budget(), "bytes of the refused request were not taken");
        clock.advanceMs(500);   // one op back; bytes refill to the full 1000
        assertTrue(rl.consume(999));
        assertEquals(0, rl.ops().budget());
        assertFalse(rl.consume(1));
        assertEquals(1, rl.bandwidth().budget());
    }

    @Test
    void bytesRefusalLeavesTheOpsBucketAlone() {
        RateLimiter rl = new RateLimiter(BucketConfig.of(100, 1000), BucketConfig.of(5, 1000), clock);
        assertTrue(rl.consume(100));
        assertFalse(rl.consume(50));
        assertEquals(4, rl.ops().budget());
        assertEquals(1, rl.metrics().throttled());
        assertEquals(1, rl.metrics().allowed());
    }

    @Test
    void nanosUntilAvailableIsForTheRequestLastRefused() {
        RateLimiter rl = new RateLimiter(BucketConfig.of(1000, 1000), null, clock);
        assertTrue(rl.consume(1000));
        assertFalse(rl.consume(500));
        assertTrue(rl.isThrottled());
        assertEquals(500_000_000L, rl.nanosUntilAvailable());
        assertEquals(1_000_000L, rl.nanosUntilAvailable(1));
        clock.advanceNanos(rl.nanosUntilAvailable());
        assertFalse(rl.isThrottled());
        assertTrue(rl.consume(500));
    }

    @Test
    void unlimitedNeverRefuses() {
        RateLimiter rl = new RateLimiter(null, BucketConfig.of(0, 1000), clock);
        assertTrue(rl.isUnlimited());
        for (int i = 0; i < 1000; i++) {
            assertTrue(rl.consume(Long.MAX_VALUE / 2));
        }
        assertEquals(0, rl.nanosUntilAvailable(Long.MAX_VALUE));
    }

    @Test
    void updateReplacesKeepsOrRemovesBuckets() {
        RateLimiter rl = new RateLimiter(BucketConfig.of(1000, 1000), BucketConfig.of(10, 1000), clock);
        rl.consume(1000);
        assertFalse(rl.consume(1));
        rl.update(BucketUpdate.replace(BucketConfig.of(5000, 1000)), BucketUpdate.keep());
        assertEquals(5000, rl.bandwidth().budget(), "a replaced bucket starts full");
        assertEquals(9, rl.ops().budget(), "a kept bucket keeps its state");
        rl.update(BucketUpdate.keep(), BucketUpdate.disable());
        assertEquals(null, rl.ops());
        rl.update(BucketUpdate.fromPatch(new BucketConfig(0, 0, 0)), BucketUpdate.fromPatch(null));
        assertTrue(rl.isUnlimited(), "a zero-size bucket in a PATCH removes the limit");
    }

    @Test
    void replenishUndoesAConsume() {
        RateLimiter rl = new RateLimiter(BucketConfig.of(1000, 1000), BucketConfig.of(1, 1000), clock);
        assertTrue(rl.consume(700));
        rl.replenish(700);
        assertTrue(rl.consume(1000));
    }

    @Test
    void concurrentConsumersNeverTakeMoreThanTheBucketHolds() throws InterruptedException {
        RateLimiter rl = new RateLimiter(BucketConfig.of(10_000, 1_000_000), BucketConfig.of(1_000, 1_000_000), clock);
        AtomicLong passed = new AtomicLong();
        CountDownLatch go = new CountDownLatch(1);
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 2_000; i++) {
                    if (rl.consume(7)) {
                        passed.incrementAndGet();
                    }
                }
            });
            threads[t].start();
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(1000, passed.get(), "the ops bucket (1000) binds before the bytes (10000 / 7)");
        assertEquals(10_000 - 7000, rl.bandwidth().budget());
        assertEquals(7000, rl.metrics().throttled());
    }
}
