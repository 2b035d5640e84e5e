package dev.flotilla.vm.devices.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.kvm.net.Tap;
import dev.flotilla.vm.devices.net.GuestRings.Seg;
import dev.flotilla.vm.ratelimit.BucketConfig;
import dev.flotilla.vm.ratelimit.RateLimiter;
import dev.flotilla.vm.virtio.ChainFault;
import dev.flotilla.vm.virtio.SplitQueue;
import dev.flotilla.vm.virtio.VirtioFeatures;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The receive path against heap guest memory and an in-memory backend. */
class RxPathTest {

    private static final byte[] EXPECTED_HEADER = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};

    private final GuestRings guest = new GuestRings();
    private final FakeBackend backend = new FakeBackend();
    private final NetMetrics metrics = new NetMetrics();
    private final AtomicLong clock = new AtomicLong(5_000_000_000L);
    private final SplitQueue queue = guest.rx.queue(VirtioFeatures.RING_EVENT_IDX);

    private RxPath path(RateLimiter limiter) {
        return new RxPath(backend, limiter, metrics, (q, c, w) -> q.addUsed(c, w));
    }

    @Test
    void deliversEachFrameBehindAHeaderWithOneBuffer() {
        long buf = guest.rx.offerRxBuffer(1526);
        guest.rx.offerRxBuffer(1526);
        byte[] frame = GuestRings.frame(1514, 1);
        backend.push(frame);

        assertEquals(PathStop.DRAINED, path(RateLimiter.unlimited()).run(queue), "a spare buffer, no more frames");

        assertEquals(1, guest.rx.usedIdx());
        assertEquals(NetHeader.SIZE + 1514, guest.rx.usedLen(0));
        assertArrayEquals(EXPECTED_HEADER, guest.read(buf, NetHeader.SIZE), "GSO_NONE, no flags, num_buffers 1");
        assertArrayEquals(frame, guest.read(buf + NetHeader.SIZE, 1514));
        assertEquals(1, metrics.rxFrames());
        assertEquals(1514, metrics.rxBytes());
    }

    @Test
    void aFrameIsScatteredOverTheBuffersOfOneChain() {
        long a = guest.alloc(10);
        long b = guest.alloc(100);
        guest.rx.offer(Seg.in(a, 10), Seg.in(b, 100));
        byte[] frame = GuestRings.frame(90, 2);
        backend.push(frame);

        path(RateLimiter.unlimited()).run(queue);

        byte[] got = new byte[NetHeader.SIZE + 90];
        System.arraycopy(guest.read(a, 10), 0, got, 0, 10);
        System.arraycopy(guest.read(b, NetHeader.SIZE + 80), 0, got, 10, NetHeader.SIZE + 80);
        assertArrayEquals(EXPECTED_HEADER, Arrays.copyOf(got, NetHeader.SIZE));
        assertArrayEquals(frame, Arrays.copyOfRange(got, NetHeader.SIZE, got.length));
    }

    @Test
    void withoutGuestBuffersNoFrameIsTakenFromTheBackend() {
        backend.push(GuestRings.frame(60, 3));
        RxPath p = path(RateLimiter.unlimited());

        assertEquals(PathStop.NO_BUFFERS, p.run(queue));
        assertEquals(1, backend.waiting(), "the frame stays in the backend's (the kernel's) queue");
        assertEquals(0, backend.reads);

        guest.rx.offerRxBuffer(2048);
        assertEquals(PathStop.NO_BUFFERS, p.run(queue), "the one buffer is used up");
        assertEquals(0, backend.waiting());
        assertEquals(1, guest.rx.usedIdx());
    }

    @Test
    void aFrameLargerThanTheBufferIsDroppedAndTheBufferServesTheNextFrame() {
        guest.rx.offerRxBuffer(NetHeader.SIZE + 100);
        backend.push(GuestRings.frame(101, 4));
        byte[] fits = GuestRings.frame(100, 5);
        backend.push(fits);

        assertEquals(PathStop.NO_BUFFERS, path(RateLimiter.unlimited()).run(queue));

        assertEquals(1, metrics.rxDropped());
        assertEquals(1, metrics.rxFrames());
        assertEquals(1, guest.rx.usedIdx());
        assertEquals(NetHeader.SIZE + 100, guest.rx.usedLen(0));
    }

    @Test
    void aBufferTooSmallForTheHeaderIsReturnedEmptyAndCounted() {
        guest.rx.offerRxBuffer(NetHeader.SIZE - 1);
        guest.rx.offer(Seg.out(guest.alloc(64), 64));         // device-readable only: no room at all
        guest.rx.offerRxBuffer(2048);
        backend.push(GuestRings.frame(60, 6));

        path(RateLimiter.unlimited()).run(queue);

        assertEquals(2, metrics.rxMalformed());
        assertEquals(3, guest.rx.usedIdx());
        assertEquals(0, guest.rx.usedLen(0));
        assertEquals(0, guest.rx.usedLen(1));
        assertEquals(NetHeader.SIZE + 60, guest.rx.usedLen(2));
    }

    @Test
    void hostileChainsAreRefusedByTheQueueAndTheFrameWaitsForAGoodBuffer() {
        guest.rx.offer(Seg.in(GuestRings.MEM_SIZE - 8, 2048));   // leaves guest RAM
        guest.rx.offer(Seg.in(0xFFFF_FFFF_FFFF_F000L, 4096));    // wraps the address space
        backend.push(GuestRings.frame(60, 7));
        RxPath p = path(RateLimiter.unlimited());

        assertEquals(PathStop.NO_BUFFERS, p.run(queue));
        assertEquals(2, guest.rx.metrics.malformed(ChainFault.BUFFER_OUT_OF_RAM));
        assertEquals(1, backend.waiting());

        guest.rx.offerRxBuffer(2048);
        assertEquals(PathStop.NO_BUFFERS, p.run(queue));
        assertEquals(1, metrics.rxFrames());
    }

    @Test
    void aThrottledFrameIsHeldAndDeliveredFirstWhenTokensReturn() {
        RateLimiter limiter = new RateLimiter(null, BucketConfig.of(1, 100), clock::get);
        RxPath p = path(limiter);
        for (int i = 0; i < 3; i++) guest.rx.offerRxBuffer(2048);
        byte[] second = GuestRings.frame(70, 8);
        backend.push(GuestRings.frame(60, 7));
        backend.push(second);
        backend.push(GuestRings.frame(80, 9));

        assertEquals(PathStop.THROTTLED, p.run(queue));
        assertEquals(1, guest.rx.usedIdx());
        assertTrue(p.holdsFrame());
        assertEquals(1, backend.waiting(), "one frame held, the rest still in the backend");
        assertEquals(1, metrics.rxThrottled());
        assertEquals(100_000_000, p.waitNanos());

        clock.addAndGet(p.waitNanos());
        assertEquals(PathStop.THROTTLED, p.run(queue));
        assertEquals(2, guest.rx.usedIdx());
        assertEquals(NetHeader.SIZE + 70, guest.rx.usedLen(1), "the held frame came next, in order");

        clock.addAndGet(100_000_000);
        assertEquals(PathStop.NO_BUFFERS, p.run(queue));
        assertEquals(3, metrics.rxFrames());
        assertFalse(p.holdsFrame());
    }

    @Test
    void theRxBandwidthLimiterChargesFramePlusHeader() {
        RateLimiter limiter = new RateLimiter(BucketConfig.of(NetHeader.SIZE + 60, 1000), null, clock::get);
        for (int i = 0; i < 2; i++) guest.rx.offerRxBuffer(2048);
        backend.push(GuestRings.frame(60, 1));
        backend.push(GuestRings.frame(1, 2));

        assertEquals(PathStop.THROTTLED, path(limiter).run(queue));
        assertEquals(1, metrics.rxFrames(), "a 60-byte frame with its header empties a 72-byte bucket");
    }

    @Test
    void aBackendFailureLeavesTheBufferAvailable() {
        guest.rx.offerRxBuffer(2048);
        backend.failReads = true;
        RxPath p = path(RateLimiter.unlimited());

        assertEquals(PathStop.BACKEND_FAILED, p.run(queue));
        assertEquals(1, metrics.tapReadErrors());

        backend.failReads = false;
        backend.push(GuestRings.frame(60, 1));
        assertEquals(PathStop.NO_BUFFERS, p.run(queue));
        assertEquals(1, guest.rx.usedIdx());
    }

    @Test
    void theLargestFrameFitsABufferOfMaxFramePlusHeader() {
        guest.rx.offerRxBuffer(NetHeader.SIZE + Tap.MAX_FRAME);
        byte[] max = GuestRings.frame(Tap.MAX_FRAME, 3);
        backend.push(max);

        path(RateLimiter.unlimited()).run(queue);

        assertEquals(65_562, guest.rx.usedLen(0));
    }

    @Test
    void aFloodIsServedInBoundedPasses() {
        for (int i = 0; i < RxPath.BUDGET + 20; i++) {
            guest.rx.offerRxBuffer(128);
            backend.push(GuestRings.frame(60, i));
        }
        RxPath p = path(RateLimiter.unlimited());

        assertEquals(PathStop.YIELDED, p.run(queue));
        assertEquals(RxPath.BUDGET, metrics.rxFrames());
        assertEquals(PathStop.NO_BUFFERS, p.run(queue));
        assertEquals(RxPath.BUDGET + 20, metrics.rxFrames());
    }
}
