package dev.flotilla.vm.devices.block;

import static dev.flotilla.vm.devices.block.BlockRequest.S_OK;
import static dev.flotilla.vm.devices.block.BlockRequest.T_IN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.vm.config.RateLimiterConfig;
import dev.flotilla.vm.config.TokenBucketConfig;
import dev.flotilla.vm.devices.block.BlkDriver.Submitted;
import dev.flotilla.vm.ratelimit.BucketConfig;
import dev.flotilla.vm.ratelimit.FakeClock;
import dev.flotilla.vm.ratelimit.RateLimiter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Throttled requests stay queued and resume by themselves when tokens return; PATCH applies live. The
 * limiters run on a {@link FakeClock}: the test moves time, so it can say exactly what each step lets through.
 */
class VirtioBlockRateLimitTest {

    @TempDir
    Path dir;
    private VirtioBlock device;

    @AfterEach
    void close() {
        if (device != null) device.close();
    }

    private BlkDriver start(RateLimiterConfig limits) throws IOException {
        return start(limits.newLimiter());
    }

    private BlkDriver start(RateLimiter limiter) throws IOException {
        Path f = dir.resolve("disk.img");
        Files.write(f, new byte[1 << 20]);
        device = new VirtioBlock("virtio-test-blk", "drive-1", BackingFile.open(f, false), Optional.of(limiter));
        return new BlkDriver(device, 4 << 20).start(VirtioBlockTest.ALL);
    }

    /** Waits until the device has refused a request more than {@code before} times. */
    private void awaitThrottledBeyond(long before) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (device.metrics().throttledEvents() <= before) {
            if (System.nanoTime() > deadline) throw new AssertionError("the device never throttled past " + before);
            Thread.onSpinWait();
        }
    }

    /**
     * Serves a burst one request per refill: with the clock still, exactly {@code served} requests are
     * through and the next has been refused; each refill period of the fake clock lets exactly one more through.
     */
    private void paceOnePerRefill(BlkDriver d, FakeClock clock, int total, long refillMs) {
        d.awaitUsed(1);
        for (int served = 1; served < total; served++) {
            awaitThrottledBeyond(device.metrics().throttledEvents());   // a refusal after the last one served
            assertEquals(served, d.usedIdx(), "the clock has not moved: no more requests than tokens");
            clock.advanceMs(refillMs);
            d.awaitUsed(1);   // by itself: no kick
        }
        assertEquals(total, d.usedIdx());
    }

    /** Publishes {@code n} reads of {@code len} bytes at once, then kicks once. */
    private static List<Submitted> burst(BlkDriver d, int n, int len) {
        List<Submitted> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long buf = d.alloc(len);
            long h = d.header(T_IN, (long) i * (len / 512));
            long st = d.status();
            int head = d.submitWithoutKick(List.of(new BlkDriver.Buf(h, 16, false), new BlkDriver.Buf(buf, len, true),
                    new BlkDriver.Buf(st, 1, true)));
            out.add(new Submitted(head, st));
        }
        d.kick();
        return out;
    }

    @Test
    void bandwidthLimitPacesReadsAndThrottledRequestsResumeByThemselves() throws IOException {
        // 64 KiB per 100 ms: the bucket starts full, so one 64 KiB read now and one per 100 ms of the clock.
        FakeClock clock = new FakeClock();
        BlkDriver d = start(new RateLimiter(BucketConfig.of(64 * 1024, 100), null, clock));
        List<Submitted> reqs = burst(d, 8, 64 * 1024);
        paceOnePerRefill(d, clock, 8, 100);
        for (Submitted s : reqs) assertEquals(S_OK, d.statusOf(s));
        assertTrue(device.metrics().throttledEvents() >= 7, "each of the 7 later reads refused at its turn");
        assertEquals(8 * 64 * 1024, device.metrics().readBytes());
    }

    @Test
    void opsLimitPacesRequests() throws IOException {
        // 1 op per 50 ms of the clock.
        FakeClock clock = new FakeClock();
        BlkDriver d = start(new RateLimiter(null, BucketConfig.of(1, 50), clock));
        burst(d, 6, 512);
        paceOnePerRefill(d, clock, 6, 50);
        assertTrue(device.metrics().throttledEvents() >= 5);
    }

    @Test
    void liftingTheLimitWhileThrottledReleasesTheQueueAtOnce() throws IOException {
        // 1 op per 10 s: after the first request everything waits...
        BlkDriver d = start(new RateLimiterConfig(Optional.empty(), Optional.of(new TokenBucketConfig(1, 0, 10_000))));
        burst(d, 5, 512);
        d.awaitUsed(1);
        awaitThrottledBeyond(0);
        assertEquals(1, d.usedIdx(), "the rest is held back");
        // ...until a PATCH disables the ops bucket (size 0): the worker wakes and drains without a kick,
        // well before the 40 s the old limit would take (awaitUsed gives up after 10 s).
        device.updateRateLimiter(new RateLimiterConfig(Optional.empty(), Optional.of(new TokenBucketConfig(0, 0, 0))));
        d.awaitUsed(4);
    }
}
