package dev.flotilla.fleet.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AdmissionLimiterTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Test
    void burstIsAdmittedThenRefusedWithTheTimeToTheNextToken() {
        AdmissionLimiter l = new AdmissionLimiter(50, 10, now::get);
        for (int i = 0; i < 10; i++) assertTrue(l.tryAdmit().admitted(), "creation " + i + " of the burst");
        AdmissionLimiter.Decision refused = l.tryAdmit();
        assertFalse(refused.admitted());
        // one token at 50/s comes back in 20 ms
        assertEquals(Duration.ofMillis(20), refused.retryAfter());
        assertEquals(10, l.admittedCount());
        assertEquals(1, l.rejectedCount());
    }

    @Test
    void retryAfterShrinksAsTheTokenRefills() {
        AdmissionLimiter l = new AdmissionLimiter(2, 1, now::get);
        assertTrue(l.tryAdmit().admitted());
        assertEquals(Duration.ofMillis(500), l.tryAdmit().retryAfter());
        now.addAndGet(Duration.ofMillis(300).toNanos());
        assertEquals(Duration.ofMillis(200), l.tryAdmit().retryAfter());
    }

    @Test
    void tokensReturnAtTheRateButNeverBeyondTheBurst() {
        AdmissionLimiter l = new AdmissionLimiter(10, 5, now::get);
        for (int i = 0; i < 5; i++) l.tryAdmit();
        assertFalse(l.tryAdmit().admitted());
        now.addAndGet(Duration.ofMillis(300).toNanos());   // 3 tokens back
        assertTrue(l.tryAdmit().admitted());
        assertTrue(l.tryAdmit().admitted());
        assertTrue(l.tryAdmit().admitted());
        assertFalse(l.tryAdmit().admitted());
        now.addAndGet(Duration.ofHours(1).toNanos());
        assertEquals(5, l.tokens());
    }

    @Test
    void aRefundedTokenCanBeUsedAgain() {
        AdmissionLimiter l = new AdmissionLimiter(1, 1, now::get);
        assertTrue(l.tryAdmit().admitted());
        l.refund();
        assertTrue(l.tryAdmit().admitted());
        assertFalse(l.tryAdmit().admitted());
    }

    @Test
    void nonsenseSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new AdmissionLimiter(0, 1, now::get));
        assertThrows(IllegalArgumentException.class, () -> new AdmissionLimiter(Double.NaN, 1, now::get));
        assertThrows(IllegalArgumentException.class, () -> new AdmissionLimiter(1, 0, now::get));
    }
}
