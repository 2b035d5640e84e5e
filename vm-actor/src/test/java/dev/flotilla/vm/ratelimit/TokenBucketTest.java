package dev.flotilla.vm.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TokenBucketTest {

    private final FakeClock clock = new FakeClock();

    @Test
    void startsFullAndRefusesBeyondItsBudget() {
        TokenBucket b = new TokenBucket(1000, 0, 1000, clock);
        assertEquals(1000, b.budget());
        assertEquals(BucketReduction.OK, b.reduce(600));
        assertEquals(BucketReduction.FAILURE, b.reduce(600));
        assertEquals(400, b.budget(), "a refused reduce takes nothing");
        assertEquals(BucketReduction.OK, b.reduce(400));
        assertEquals(0, b.budget());
    }

    @Test
    void refillsLinearlyWithTime() {
        TokenBucket b = new TokenBucket(1000, 0, 1000, clock);
        b.reduce(1000);
        clock.advanceMs(250);
        assertEquals(250, b.budget());
        clock.advanceMs(500);
        assertEquals(750, b.budget());
        clock.advanceMs(10_000);
        assertEquals(1000, b.budget(), "never above size");
    }

    @Test
    void fractionalTokensAreCarriedNotLostByFrequentPolling() {
        // 3 tokens per 1000 ms: one every 333.33 ms. Polling every millisecond must still give 3 per second.
        TokenBucket b = new TokenBucket(3, 0, 1000, clock);
        b.reduce(3);
        long got = 0;
        for (int ms = 0; ms < 10_000; ms++) {
            clock.advanceMs(1);
            if (b.reduce(1) == BucketReduction.OK) {
                got++;
            }
        }
        assertEquals(30, got);
    }

    @Test
    void fullBucketDoesNotBankIdleTime() {
        TokenBucket b = new TokenBucket(100, 0, 100, clock);
        clock.advanceMs(5_000);
        assertEquals(BucketReduction.OK, b.reduce(100));
        assertEquals(BucketReduction.FAILURE, b.reduce(1));
    }

    @Test
    void oneTimeBurstIsSpentFirstAndNeverRefilled() {
        TokenBucket b = new TokenBucket(100, 500, 1000, clock);
        assertEquals(BucketReduction.OK, b.reduce(450));
        assertEquals(50, b.oneTimeBurst());
        assertEquals(100, b.budget(), "the budget is untouched while the burst lasts");
        assertEquals(BucketReduction.OK, b.reduce(120));   // 50 from the burst, 70 from the budget
        assertEquals(0, b.oneTimeBurst());
        assertEquals(30, b.budget());
        clock.advanceMs(60_000);
        assertEquals(0, b.oneTimeBurst());
        assertEquals(100, b.budget());
    }

    @Test
    void refusedRequestDoesNotSpendTheBurst() {
        TokenBucket b = new TokenBucket(100, 10, 1000, clock);
        b.reduce(110);
        assertEquals(BucketReduction.FAILURE, b.reduce(50));
        assertEquals(0, b.oneTimeBurst());
        TokenBucket c = new TokenBucket(100, 10, 1000, clock);
        c.reduce(10);   // burst gone
        c.reduce(95);
        assertEquals(BucketReduction.FAILURE, c.reduce(6));
        assertEquals(5, c.budget());
    }

    @Test
    void requestLargerThanTheBucketPassesOnceAndIsPaidForByWaiting() {
        TokenBucket b = new TokenBucket(1000, 0, 1000, clock);
        assertEquals(BucketReduction.OVERCONSUMPTION, b.reduce(3000));
        assertEquals(-2000, b.budget(), "the excess is a debt");
        assertEquals(BucketReduction.FAILURE, b.reduce(1));
        assertEquals(BucketReduction.FAILURE, b.reduce(5000), "no second overconsumption while in debt");
        assertEquals(2_001_000_000L, b.nanosUntil(1), "2000 tokens of debt plus the one asked for");
        clock.advanceMs(2000);
        assertEquals(0, b.budget());
        assertEquals(BucketReduction.FAILURE, b.reduce(1));
        clock.advanceMs(1);
        assertEquals(BucketReduction.OK, b.reduce(1));
    }

    @Test
    void overconsumptionIsAllowedFromAnEmptyButDebtFreeBucket() {
        TokenBucket b = new TokenBucket(1000, 0, 1000, clock);
        b.reduce(1000);
        assertEquals(BucketReduction.OVERCONSUMPTION, b.reduce(1001));
    }

    @Test
    void zeroSizeOrZeroRefillTimeDisablesTheBucket() {
        for (TokenBucket b : new TokenBucket[] {new TokenBucket(0, 0, 1000, clock), new TokenBucket(1000, 0, 0, clock)}) {
            assertTrue(b.isDisabled());
            for (int i = 0; i < 10; i++) {
                assertEquals(BucketReduction.OK, b.reduce(Long.MAX_VALUE));
            }
            assertEquals(0, b.nanosUntil(Long.MAX_VALUE));
        }
        assertFalse(new TokenBucket(1, 0, 1, clock).isDisabled());
    }

    @Test
    void nanosUntilIsExactAndAccountsForPartialRefill() {
        TokenBucket b = new TokenBucket(1000, 0, 1000, clock);   // 1 token per ms
        b.reduce(1000);
        assertEquals(100_000_000L, b.nanosUntil(100));
        clock.advanceNanos(40_500_000L);
        assertEquals(59_500_000L, b.nanosUntil(100));
        clock.advanceNanos(59_500_000L);
        assertEquals(0, b.nanosUntil(100));
        assertEquals(BucketReduction.OK, b.reduce(100));
    }

    @Test
    void replenishGivesTokensBackUpToSize() {
        TokenBucket b = new TokenBucket(100, 0, 1000, clock);
        b.reduce(80);
        b.replenish(50);
        assertEquals(70, b.budget());
        b.replenish(Long.MAX_VALUE);
        assertEquals(100, b.budget());
    }

    @Test
    void hugeSizesDoNotOverflowTheRefillMath() {
        long size = 40_000_000_000L;   // 40 GB per 10 minutes
        TokenBucket b = new TokenBucket(size, 0, 600_000, clock);
        b.reduce(size);
        clock.advanceMs(300_000);
        assertEquals(size / 2, b.budget());
        assertEquals(BucketReduction.OVERCONSUMPTION, b.reduce(Long.MAX_VALUE));
        assertTrue(b.nanosUntil(1) > 0);
    }

    @Test
    void negativeRequestsAndConfigsAreRefused() {
        TokenBucket b = new TokenBucket(100, 0, 1000, clock);
        assertThrows(IllegalArgumentException.class, () -> b.reduce(-1));
        assertThrows(IllegalArgumentException.class, () -> new BucketConfig(-1, 0, 10));
    }
}
