package dev.flotilla.vm.devices.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.vm.config.RateLimiterConfig;
import dev.flotilla.vm.config.TokenBucketConfig;
import dev.flotilla.vm.ratelimit.BucketConfig;
import dev.flotilla.vm.ratelimit.FakeClock;
import dev.flotilla.vm.ratelimit.RateLimiter;
import dev.flotilla.vm.virtio.ActivatedQueues;
import dev.flotilla.vm.virtio.Interrupts;
import dev.flotilla.vm.virtio.SplitQueue;
import dev.flotilla.vm.virtio.VirtioActivationException;
import dev.flotilla.vm.virtio.VirtioFeatures;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The whole device on its worker thread, over heap guest memory and an eventfd-backed fake backend. */
class VirtioNetTest {

    private static final long FEATURES = VirtioFeatures.VERSION_1 | VirtioFeatures.RING_EVENT_IDX;
    private static final AtomicInteger ids = new AtomicInteger();

    private final GuestRings guest = new GuestRings();
    private final FakeBackend backend = new FakeBackend();
    private final AtomicInteger interrupts = new AtomicInteger();
    private final String name = "virtio-test-net" + ids.incrementAndGet();
    private VirtioNet net;

    private final Interrupts irq = new Interrupts() {
        @Override public void signalUsedBuffer(int queue) { interrupts.incrementAndGet(); }
        @Override public void signalConfigChange() { }
        @Override public void signalNeedsReset(String reason) { throw new AssertionError("needs reset: " + reason); }
    };

    @AfterEach
    void close() {
        if (net != null) net.close();
    }

    private VirtioNet device(Optional<RateLimiter> rx, Optional<RateLimiter> tx) {
        net = new VirtioNet(name, backend, Optional.of(MacAddress.parse("06:00:a9:fe:07:02")), rx, tx);
        return net;
    }

    private void activate() throws VirtioActivationException {
        net.activate(new ActivatedQueues(new SplitQueue[] {guest.rx.queue(FEATURES), guest.tx.queue(FEATURES)}, FEATURES),
                guest.mem, irq);
    }

    private static void await(String what, long ms, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + ms * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out after " + ms + " ms waiting for " + what);
            Thread.sleep(2);
        }
    }

    private static RateLimiterConfig ops(long size, long refillMs) {
        return new RateLimiterConfig(Optional.empty(), Optional.of(new TokenBucketConfig(size, 0, refillMs)));
    }

    @Test
    void offersTheMacInItsConfigurationSpaceOnlyWhenConfigured() {
        VirtioNet withMac = device(Optional.empty(), Optional.empty());
        assertEquals(VirtioNet.F_MAC, withMac.deviceFeatures() & VirtioNet.F_MAC);
        byte[] mac = new byte[6];
        withMac.readConfig(0, mac);
        assertArrayEquals(new byte[] {6, 0, (byte) 0xa9, (byte) 0xfe, 7, 2}, mac);
        byte[] tail = new byte[4];
        withMac.readConfig(4, tail);
        assertArrayEquals(new byte[] {7, 2, 0, 0}, tail, "past the MAC the space reads as zero");
        withMac.writeConfig(0, new byte[6]);
        withMac.readConfig(0, mac);
        assertEquals(6, mac[0], "the MAC is read-only");

        try (VirtioNet noMac = new VirtioNet("virtio-test-nomac", new FakeBackend(), Optional.empty(), Optional.empty(), Optional.empty())) {
            assertEquals(0, noMac.deviceFeatures() & VirtioNet.F_MAC);
            assertEquals(0, noMac.deviceFeatures() & 0xFFFFFFL & ~VirtioNet.F_MAC, "no offloads or other net features");
            assertEquals(VirtioNet.DEVICE_TYPE, noMac.deviceType());
        }
    }

    @Test
    void refusesToRunWithoutBothQueues() {
        device(Optional.empty(), Optional.empty());
        assertThrows(VirtioActivationException.class, () -> net.activate(
                new ActivatedQueues(new SplitQueue[] {guest.rx.queue(FEATURES), null}, FEATURES), guest.mem, irq));
    }

    @Test
    void framesFlowBothWaysOnTheWorkerThread() throws Exception {
        device(Optional.empty(), Optional.empty());
        for (int i = 0; i < 4; i++) guest.rx.offerRxBuffer(2048);
        activate();

        byte[] in = GuestRings.frame(98, 1);
        backend.push(in);
        backend.push(in);
        await("two frames delivered", 2000, () -> guest.rx.usedIdx() == 2);
        assertEquals(NetHeader.SIZE + 98, guest.rx.usedLen(1));

        byte[] out = GuestRings.frame(60, 2);
        guest.tx.offerTxFrame(out);
        net.queueNotified(VirtioNet.TX_QUEUE);
        await("a frame sent", 2000, () -> backend.sent.size() == 1);
        assertArrayEquals(out, backend.sent.get(0));
        await("tx chain completed", 2000, () -> guest.tx.usedIdx() == 1);
        assertTrue(interrupts.get() >= 2, "the guest was interrupted for its used buffers");
        assertEquals(2, net.metrics().rxFrames());
        assertEquals(1, net.metrics().txFrames());
    }

    @Test
    void withoutRxBuffersTheWorkerSleepsUntilTheGuestKicks() throws Exception {
        device(Optional.empty(), Optional.empty());
        activate();
        backend.push(GuestRings.frame(60, 1));
        // Unregistered from epoll with no deadline armed: only a kick can wake the worker, so a frame
        // waiting for buffers cannot spin it (a readable fd left registered would, level-triggered).
        await("the worker gives up the backend", 2000, () -> !net.watchingBackend());
        assertEquals(1, backend.waiting(), "the frame waits in the backend, not in the device");
        assertEquals(0, guest.rx.usedIdx());

        guest.rx.offerRxBuffer(2048);
        net.queueNotified(VirtioNet.RX_QUEUE);
        await("the frame delivered after the rx kick", 2000, () -> guest.rx.usedIdx() == 1);
    }

    /** One frame per 100 ms of the fake clock: the test, not the wall clock, says when tokens return. */
    private static RateLimiter onePer100Ms(FakeClock clock) {
        return new RateLimiter(null, BucketConfig.of(1, 100), clock);
    }

    @Test
    void aThrottledDirectionResumesByItselfWhenTokensReturn() throws Exception {
        FakeClock clock = new FakeClock();
        device(Optional.empty(), Optional.of(onePer100Ms(clock)));
        activate();
        for (int i = 0; i < 3; i++) guest.tx.offerTxFrame(GuestRings.frame(60, i));
        net.queueNotified(VirtioNet.TX_QUEUE);

        await("the first frame, then the second refused", 2000, () -> net.metrics().txThrottled() >= 1);
        assertEquals(1, backend.sent.size(), "one token: one frame until the clock moves");
        clock.advanceMs(100);
        await("the second frame without a kick", 2000, () -> backend.sent.size() == 2);
        await("the third refused", 2000, () -> net.metrics().txThrottled() >= 2);
        assertEquals(2, backend.sent.size());
        clock.advanceMs(100);
        await("the third frame without a kick", 2000, () -> backend.sent.size() == 3);
        await("all three completed", 2000, () -> guest.tx.usedIdx() == 3);
    }

    @Test
    void anRxLimitHoldsFramesInTheKernelQueueAndResumesByItself() throws Exception {
        FakeClock clock = new FakeClock();
        device(Optional.of(onePer100Ms(clock)), Optional.empty());
        for (int i = 0; i < 4; i++) guest.rx.offerRxBuffer(2048);
        activate();
        for (int i = 0; i < 3; i++) backend.push(GuestRings.frame(60, i));

        // the worker counts the refusal before it takes the TAP out of epoll: wait for both
        await("one frame, then the next refused and the TAP no longer watched", 2000,
                () -> net.metrics().rxThrottled() >= 1 && !net.watchingBackend());
        assertEquals(1, guest.rx.usedIdx(), "one token: one frame until the clock moves");
        clock.advanceMs(100);
        await("the second by itself", 2000, () -> guest.rx.usedIdx() == 2);
        await("the third refused", 2000, () -> net.metrics().rxThrottled() >= 2);
        assertEquals(2, guest.rx.usedIdx());
        clock.advanceMs(100);
        await("the third by itself", 2000, () -> guest.rx.usedIdx() == 3);
    }

    @Test
    void patchingTheLimiterWakesAThrottledDirectionAtOnce() throws Exception {
        device(Optional.empty(), Optional.of(ops(1, 60_000).newLimiter()));
        activate();
        guest.tx.offerTxFrame(GuestRings.frame(60, 1));
        guest.tx.offerTxFrame(GuestRings.frame(60, 2));
        net.queueNotified(VirtioNet.TX_QUEUE);
        await("the first frame sent and the second refused", 2000, () -> net.metrics().txThrottled() >= 1);
        assertEquals(1, backend.sent.size(), "the second waits a minute for its token");

        net.updateRateLimiters(Optional.empty(), Optional.of(ops(0, 0)));
        await("the second frame right after the PATCH", 1000, () -> backend.sent.size() == 2);
        assertTrue(net.txLimiter().isUnlimited());
    }

    @Test
    void aFailingBackendIsCountedAndRetriedWithoutFailingTheDevice() throws Exception {
        device(Optional.empty(), Optional.empty());
        guest.rx.offerRxBuffer(2048);
        backend.failReads = true;
        activate();
        backend.push(GuestRings.frame(60, 1));
        // the worker counts the failure, then unregisters the backend: wait for both, as asserted
        await("a read error and the backend unwatched", 2000,
                () -> net.metrics().tapReadErrors() >= 1 && !net.watchingBackend());
        await("a retry by itself, still unwatched", 2000,
                () -> net.metrics().tapReadErrors() >= 2 && !net.watchingBackend());

        backend.failReads = false;
        await("delivered on the retry", 2000, () -> guest.rx.usedIdx() == 1);
    }

    @Test
    void aResetDeviceServesAgainAfterReactivation() throws Exception {
        device(Optional.empty(), Optional.empty());
        activate();
        net.reset();
        guest.rx.offerRxBuffer(2048);
        // the driver rebuilds its queues after a reset; here the same rings at fresh positions
        GuestRings fresh = new GuestRings();
        fresh.rx.offerRxBuffer(2048);
        net.activate(new ActivatedQueues(new SplitQueue[] {fresh.rx.queue(FEATURES), fresh.tx.queue(FEATURES)}, FEATURES),
                fresh.mem, irq);
        backend.push(GuestRings.frame(60, 1));
        await("delivered after reactivation", 2000, () -> fresh.rx.usedIdx() == 1);
    }
}
