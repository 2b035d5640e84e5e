package dev.flotilla.vm.virtio;

import static dev.flotilla.vm.virtio.GuestDriver.DATA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Notification suppression both ways: flags without EVENT_IDX, used_event / avail_event with it. */
class NotificationTest {

    private static final long EVENT_IDX = VirtioFeatures.RING_EVENT_IDX;

    private GuestDriver driver;
    private QueueMetrics metrics;

    @BeforeEach
    void setUp() {
        driver = new GuestDriver(8);
        metrics = new QueueMetrics();
        for (int i = 0; i < 8; i++) {
            driver.desc(i, DATA, 16, SplitQueue.DESC_F_WRITE, 0);
        }
    }

    private SplitQueue queue(long features) {
        return driver.queue(features, metrics, c -> { });
    }

    /** The driver offers one buffer, the device pops and completes it. */
    private void roundTrip(SplitQueue q, int head) {
        driver.offer(head);
        DescriptorChain c = q.pop().orElseThrow();
        q.addUsed(c.headIndex(), 4);
    }

    @Test
    void withoutEventIdxEveryBatchNotifiesUnlessTheDriverSaysNoInterrupt() {
        SplitQueue q = queue(0);
        roundTrip(q, 0);
        assertTrue(q.needsNotification());
        assertFalse(q.needsNotification(), "nothing used since the last decision");
        driver.setAvailFlags(SplitQueue.AVAIL_F_NO_INTERRUPT);
        roundTrip(q, 1);
        assertFalse(q.needsNotification());
        driver.setAvailFlags(0);
        roundTrip(q, 2);
        assertTrue(q.needsNotification());
        assertEquals(2, metrics.notificationsSent());
        assertEquals(2, metrics.notificationsSuppressed());
    }

    @Test
    void withEventIdxTheDriverIsInterruptedOnlyWhenUsedIdxPassesUsedEvent() {
        SplitQueue q = queue(EVENT_IDX);
        roundTrip(q, 0);
        assertTrue(q.needsNotification(), "the first decision has nothing to compare with");
        driver.setUsedEvent(3);   // "interrupt me once entry 3 is used", i.e. used.idx goes 3 -> 4
        roundTrip(q, 1);
        assertFalse(q.needsNotification());
        roundTrip(q, 2);
        assertFalse(q.needsNotification());
        roundTrip(q, 3);
        assertTrue(q.needsNotification());
        roundTrip(q, 4);
        assertFalse(q.needsNotification(), "used_event is behind: no second interrupt");
    }

    @Test
    void withEventIdxABatchThatJumpsOverUsedEventStillNotifies() {
        SplitQueue q = queue(EVENT_IDX);
        roundTrip(q, 0);
        q.needsNotification();
        driver.setUsedEvent(2);
        roundTrip(q, 1);
        roundTrip(q, 2);
        roundTrip(q, 3);
        assertTrue(q.needsNotification(), "used.idx went 1 -> 4, past used_event 2");
    }

    @Test
    void needEventFollowsTheSpecModuloTwoToTheSixteen() {
        assertTrue(SplitQueue.needEvent(0, 1, 0));
        assertFalse(SplitQueue.needEvent(1, 1, 0));
        assertTrue(SplitQueue.needEvent(65535, 1, 65534), "window wraps past 0");
        assertFalse(SplitQueue.needEvent(2, 1, 65534));
        assertFalse(SplitQueue.needEvent(5, 5, 5), "empty window");
    }

    @Test
    void withEventIdxPopPublishesAvailEvent() {
        SplitQueue q = queue(EVENT_IDX);
        driver.offer(0);
        driver.offer(1);
        q.pop().orElseThrow();
        assertEquals(1, driver.availEvent(), "kick me when you add past what I have taken");
        q.pop().orElseThrow();
        assertEquals(2, driver.availEvent());
        q.disableNotification();
        driver.offer(2);
        q.pop().orElseThrow();
        assertEquals(2, driver.availEvent(), "not advanced while notifications are off");
        assertFalse(q.enableNotification());
        assertEquals(3, driver.availEvent());
    }

    @Test
    void enableNotificationReportsBuffersThatArrivedWhileDisabled() {
        SplitQueue q = queue(0);
        q.disableNotification();
        assertEquals(SplitQueue.USED_F_NO_NOTIFY, driver.usedFlags());
        driver.offer(5);
        assertTrue(q.enableNotification(), "a buffer came while kicks were off: pop again before sleeping");
        assertEquals(0, driver.usedFlags());
        assertEquals(5, q.pop().orElseThrow().headIndex());
        assertFalse(q.enableNotification());
    }
}
