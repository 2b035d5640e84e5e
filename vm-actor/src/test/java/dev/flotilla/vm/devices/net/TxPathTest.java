package dev.flotilla.vm.devices.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.net.Tap;
import dev.flotilla.vm.devices.net.GuestRings.Seg;
import dev.flotilla.vm.ratelimit.BucketConfig;
import dev.flotilla.vm.ratelimit.RateLimiter;
import dev.flotilla.vm.virtio.SplitQueue;
import dev.flotilla.vm.virtio.VirtioFeatures;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The transmit path against heap guest memory and an in-memory backend. */
class TxPathTest {

    private final GuestRings guest = new GuestRings();
    private final FakeBackend backend = new FakeBackend();
    private final NetMetrics metrics = new NetMetrics();
    private final AtomicLong clock = new AtomicLong(5_000_000_000L);
    private final SplitQueue queue = guest.tx.queue(VirtioFeatures.RING_EVENT_IDX | VirtioFeatures.RING_INDIRECT_DESC);

    private TxPath path(RateLimiter limiter) {
        return new TxPath(backend, limiter, metrics, (q, c, w) -> q.addUsed(c, w));
    }

    @Test
    void sendsTheFrameThatFollowsTheHeaderAndCompletesTheChainEmpty() {
        byte[] frame = GuestRings.frame(1514, 1);
        int head = guest.tx.offerTxFrame(frame);

        assertEquals(PathStop.DRAINED, path(RateLimiter.unlimited()).run(queue));

        assertEquals(1, backend.sent.size());
        assertArrayEquals(frame, backend.sent.get(0));
        assertEquals(1, guest.tx.usedIdx());
        assertEquals(head, guest.tx.usedId(0));
        assertEquals(0, guest.tx.usedLen(0), "the device writes nothing into a tx chain");
        assertEquals(1, metrics.txFrames());
        assertEquals(1514, metrics.txBytes());
    }

    @Test
    void headerAndFrameInOneBufferOrSplitAnywhereGiveTheSameFrame() {
        byte[] frame = GuestRings.frame(100, 2);
        long one = guest.alloc(NetHeader.SIZE + frame.length);
        guest.mem.write(GuestAddress.of(one + NetHeader.SIZE), frame);
        guest.tx.offer(Seg.out(one, NetHeader.SIZE + frame.length));
        long a = guest.alloc(20);
        long b = guest.alloc(92);
        guest.mem.write(GuestAddress.of(a + NetHeader.SIZE), frame, 0, 8);
        guest.mem.write(GuestAddress.of(b), frame, 8, 92);
        guest.tx.offer(Seg.out(a, 20), Seg.out(b, 92));

        path(RateLimiter.unlimited()).run(queue);

        assertEquals(2, backend.sent.size());
        assertArrayEquals(frame, backend.sent.get(0));
        assertArrayEquals(frame, backend.sent.get(1));
    }

    @Test
    void aChainShorterThanTheHeaderIsCountedAndNotSent() {
        guest.tx.offer(Seg.out(guest.alloc(11), 11));
        guest.tx.offerTxFrame(GuestRings.frame(60, 3));

        assertEquals(PathStop.DRAINED, path(RateLimiter.unlimited()).run(queue));

        assertEquals(1, metrics.txMalformed());
        assertEquals(1, backend.sent.size(), "the good frame after it still goes out");
        assertEquals(2, guest.tx.usedIdx(), "both chains are returned to the driver");
    }

    @Test
    void anOversizedFrameIsDroppedAndCounted() {
        int len = Tap.MAX_FRAME + 1;
        long h = guest.alloc(NetHeader.SIZE);
        long f = guest.alloc(len);
        guest.tx.offer(Seg.out(h, NetHeader.SIZE), Seg.out(f, len));
        byte[] max = GuestRings.frame(Tap.MAX_FRAME, 4);
        guest.tx.offerTxFrame(max);

        path(RateLimiter.unlimited()).run(queue);

        assertEquals(1, metrics.txDropped());
        assertEquals(1, backend.sent.size());
        assertArrayEquals(max, backend.sent.get(0), "a frame of exactly the maximum passes");
        assertEquals(2, guest.tx.usedIdx());
    }

    @Test
    void aBackendRefusalDropsThatFrameOnly() {
        guest.tx.offerTxFrame(GuestRings.frame(60, 5));
        backend.failWrites = true;
        path(RateLimiter.unlimited()).run(queue);
        backend.failWrites = false;
        backend.full = true;
        guest.tx.offerTxFrame(GuestRings.frame(60, 6));
        path(RateLimiter.unlimited()).run(queue);
        backend.full = false;
        guest.tx.offerTxFrame(GuestRings.frame(60, 7));
        TxPath p = path(RateLimiter.unlimited());
        p.run(queue);

        assertEquals(1, metrics.tapWriteErrors());
        assertEquals(2, metrics.txDropped());
        assertEquals(1, metrics.txFrames());
        assertEquals(3, guest.tx.usedIdx(), "every chain is completed: the guest handed the frames over");
    }

    @Test
    void theOpsLimiterStopsTheQueueAndTheChainWaitsForTokens() {
        RateLimiter limiter = new RateLimiter(null, BucketConfig.of(2, 100), clock::get);
        TxPath p = path(limiter);
        for (int i = 0; i < 3; i++) guest.tx.offerTxFrame(GuestRings.frame(60, i));

        assertEquals(PathStop.THROTTLED, p.run(queue));
        assertEquals(2, backend.sent.size());
        assertEquals(2, guest.tx.usedIdx(), "the refused chain is not completed");
        assertEquals(1, metrics.txThrottled());
        assertTrue(p.waitNanos() >= 49_000_000 && p.waitNanos() <= 50_000_000, "one op refills in 50 ms: " + p.waitNanos());

        clock.addAndGet(50_000_000);
        assertEquals(PathStop.DRAINED, p.run(queue));
        assertEquals(3, backend.sent.size());
        assertArrayEquals(GuestRings.frame(60, 2), backend.sent.get(2), "the put-back chain is the one sent");
    }

    @Test
    void theBandwidthLimiterChargesFramePlusHeader() {
        RateLimiter limiter = new RateLimiter(BucketConfig.of(2 * (60 + NetHeader.SIZE), 1000), null, clock::get);
        TxPath p = path(limiter);
        for (int i = 0; i < 3; i++) guest.tx.offerTxFrame(GuestRings.frame(60, i));

        assertEquals(PathStop.THROTTLED, p.run(queue));
        assertEquals(2, backend.sent.size());
    }

    @Test
    void aPassIsBoundedSoTheOtherDirectionGetsItsTurn() {
        int chains = TxPath.BUDGET + 72;
        for (int i = 0; i < chains; i++) {
            long b = guest.alloc(NetHeader.SIZE + 60);
            guest.tx.offer(Seg.out(b, NetHeader.SIZE + 60));
        }
        TxPath p = path(RateLimiter.unlimited());

        assertEquals(PathStop.YIELDED, p.run(queue));
        assertEquals(TxPath.BUDGET, backend.sent.size());
        assertEquals(PathStop.DRAINED, p.run(queue));
        assertEquals(chains, backend.sent.size());
    }
}
