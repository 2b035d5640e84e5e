package dev.flotilla.vm.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The per-VM limit on guest-fault log lines, on a clock that moves only when told. */
class GuestFaultLogTest {

    private final Logger logger = (Logger) LoggerFactory.getLogger("test.GuestFaultLog");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private long now = 1_000_000_000_000L;
    private final GuestFaultLog faults;

    GuestFaultLogTest() {
        lines.start();
        logger.addAppender(lines);
        faults = new GuestFaultLog(logger, "vm-1", () -> now, 3, Duration.ofSeconds(10));
    }

    @AfterEach
    void detach() {
        logger.detachAppender(lines);
    }

    private List<String> messages() {
        return lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void aFloodOfFaultsWritesAFewLinesAndThenASummary() {
        for (int i = 0; i < 1000; i++) faults.fault("blk-root", "refused queue 0 chain " + i + ": CHAIN_LOOP");
        assertEquals(3, lines.list.size(), "three lines per interval, whatever the guest does");
        assertEquals(997, faults.suppressedTotal());
        assertTrue(messages().get(0).contains("vm-1") && messages().get(0).contains("blk-root"), messages().get(0));

        now += Duration.ofSeconds(9).toNanos();
        assertFalse(faults.fault("blk-root", "still in the interval"));
        now += Duration.ofSeconds(1).toNanos();
        assertTrue(faults.fault("blk-root", "a new interval"));
        List<String> m = messages();
        assertEquals(5, m.size());
        assertEquals("VM vm-1: 998 more guest faults suppressed in the last interval (each is counted in the device metrics)",
                m.get(3));
        assertTrue(m.get(4).endsWith("a new interval"), m.get(4));
    }

    @Test
    void aQuietVmLogsEveryFaultAndNoSummary() {
        for (int i = 0; i < 5; i++) {
            assertTrue(faults.fault("rng", "fault " + i));
            now += Duration.ofSeconds(4).toNanos();
        }
        assertEquals(5, lines.list.size());
        assertTrue(messages().stream().noneMatch(s -> s.contains("suppressed")));
        assertEquals(0, faults.suppressedTotal());
    }
}
