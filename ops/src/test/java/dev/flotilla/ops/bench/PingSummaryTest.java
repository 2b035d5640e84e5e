package dev.flotilla.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class PingSummaryTest {

    @Test
    void busyboxQuietOutput() {
        String out = """
                PING 169.254.7.2 (169.254.7.2): 56 data bytes

                --- 169.254.7.2 ping statistics ---
                3662 packets transmitted, 3661 packets received, 0% packet loss
                round-trip min/avg/max = 0.301/0.512/9.870 ms
                """;
        assertEquals(new PingSummary(3662, 3661, Optional.of(0.512)), PingSummary.parse(out).orElseThrow());
    }

    @Test
    void noRepliesHasNoRoundTripLineAndNoStatisticsIsNoSummary() {
        assertEquals(new PingSummary(5, 0, Optional.empty()),
                PingSummary.parse("5 packets transmitted, 0 packets received, 100% packet loss\n").orElseThrow());
        assertTrue(PingSummary.parse("ping: sendto: Network unreachable\n").isEmpty());
    }
}
