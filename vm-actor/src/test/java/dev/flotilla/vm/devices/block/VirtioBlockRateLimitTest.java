package dev.flotilla.vm.devices.block;

import static dev.flotilla.vm.devices.block.BlockRequest.S_OK;
import static dev.flotilla.vm.devices.block.BlockRequest.T_IN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.vm.config.RateLimiterConfig;
import dev.flotilla.vm.config.TokenBucketConfig;
import dev.flotilla.vm.devices.block.BlkDriver.Submitted;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Throttled requests stay queued and resume by themselves when tokens return; PATCH applies live. */
class VirtioBlockRateLimitTest {

    @TempDir
    Path dir;
    private VirtioBlock device;

    @AfterEach
    void close() {
        if (device != null) device.close();
    }

    private BlkDriver start(RateLimiterConfig limits) throws IOException {
        Path f = dir.resolve("disk.img");
        Files.write(f, new byte[1 << 20]);
        device = new VirtioBlock("virtio-test-blk", "drive-1", BackingFile.open(f, false), Optional.of(limits.newLimiter()));
        return new BlkDriver(device, 4 << 20).start(VirtioBlockTest.ALL);
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
        // 64 KiB per 100 ms = 640 KiB/s; the bucket starts full, so 8 x 64 KiB takes ~700 ms.
        BlkDriver d = start(new RateLimiterConfig(Optional.of(new TokenBucketConfig(64 * 1024, 0, 100)), Optional.empty()));
        long t0 = System.nanoTime();
        List<Submitted> reqs = burst(d, 8, 64 * 1024);
        d.awaitUsed(8);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        for (Submitted s : reqs) assertEquals(S_OK, d.statusOf(s));
        assertTrue(ms >= 650 && ms < 2_000, "8 x 64 KiB at 640 KiB/s took " + ms + " ms, expected ~700");
        assertTrue(device.metrics().throttledEvents() >= 7, "throttled " + device.metrics().throttledEvents());
        assertEquals(8 * 64 * 1024, device.metrics().readBytes());
    }

    @Test
    void opsLimitPacesRequests() throws IOException {
        // 1 op per 50 ms: 6 requests take ~250 ms.
        BlkDriver d = start(new RateLimiterConfig(Optional.empty(), Optional.of(new TokenBucketConfig(1, 0, 50))));
        long t0 = System.nanoTime();
        burst(d, 6, 512);
        d.awaitUsed(6);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 230 && ms < 1_500, "6 ops at 20/s took " + ms + " ms, expected ~250");
    }

    @Test
    void liftingTheLimitWhileThrottledReleasesTheQueueAtOnce() throws IOException {
        // 1 op per 10 s: after the first request everything waits...
        BlkDriver d = start(new RateLimiterConfig(Optional.empty(), Optional.of(new TokenBucketConfig(1, 0, 10_000))));
        burst(d, 5, 512);
        d.awaitUsed(1);
        sleep(100);
        assertEquals(1, d.usedIdx(), "the rest is held back");
        // ...until a PATCH disables the ops bucket (size 0): the worker wakes and drains without a kick.
        long t0 = System.nanoTime();
        device.updateRateLimiter(new RateLimiterConfig(Optional.empty(), Optional.of(new TokenBucketConfig(0, 0, 0))));
        d.awaitUsed(4);
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 1_000);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
