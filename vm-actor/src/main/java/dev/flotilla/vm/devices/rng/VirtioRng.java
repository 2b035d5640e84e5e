package dev.flotilla.vm.devices.rng;

import dev.flotilla.vm.config.InvalidConfigException;
import dev.flotilla.vm.devices.DeviceUpdate;
import dev.flotilla.vm.devices.LiveDevice;
import dev.flotilla.vm.ratelimit.RateLimiter;
import dev.flotilla.vm.virtio.DescriptorChain;
import dev.flotilla.vm.virtio.SplitQueue;
import dev.flotilla.vm.virtio.VirtioFeatures;
import dev.flotilla.vm.virtio.WorkerBackedDevice;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * virtio-rng (device type 4, Firecracker's "entropy" device): one request queue; each request is a
 * chain of device-writable buffers that the device fills with random bytes from the host's CSPRNG.
 * Requests are capped at {@link #MAX_REQUEST_BYTES} so one guest request cannot make the worker spend
 * unbounded time. An optional rate limiter (bandwidth in bytes, ops in requests) throttles the queue:
 * a refused request is put back and the worker sleeps until the limiter's tokens return.
 */
public final class VirtioRng extends WorkerBackedDevice implements LiveDevice {

    public static final int DEVICE_TYPE = 4;
    public static final int QUEUE_SIZE = 256;
    public static final int MAX_REQUEST_BYTES = 64 * 1024;

    private final SecureRandom random = new SecureRandom();
    private final RateLimiter limiter;
    private final LongAdder bytes = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final LongAdder throttled = new LongAdder();
    private byte[] buffer = new byte[4096];

    public VirtioRng(String name, Optional<RateLimiter> limiter) {
        super(name, 1);
        this.limiter = limiter.orElseGet(RateLimiter::unlimited);
    }

    public RateLimiter limiter() {
        return limiter;
    }

    public long bytesServed() {
        return bytes.sum();
    }

    public long requestsServed() {
        return requests.sum();
    }

    public long throttledEvents() {
        return throttled.sum();
    }

    @Override
    public java.util.Map<String, Long> counters() {
        return java.util.Map.of("entropy_bytes", bytes.sum(), "entropy_requests", requests.sum(),
                "entropy_rate_limiter_throttled", throttled.sum());
    }

    /** Takes a new rate limiter (PATCH semantics: a present bucket replaces, an absent one is kept). */
    @Override
    public java.util.concurrent.CompletionStage<Void> apply(DeviceUpdate update) {
        if (!(update instanceof DeviceUpdate.Entropy e)) {
            throw new InvalidConfigException("entropy", "the entropy device takes only rate-limiter updates");
        }
        e.rateLimiter().ifPresent(c -> c.applyTo(limiter));
        worker.setDeadline(System.nanoTime());   // re-run the queue: the new limit may allow more now
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    @Override
    public int deviceType() {
        return DEVICE_TYPE;
    }

    @Override
    public long deviceFeatures() {
        return VirtioFeatures.RING_INDIRECT_DESC | VirtioFeatures.RING_EVENT_IDX;
    }

    @Override
    public int queueMaxSize(int q) {
        return QUEUE_SIZE;
    }

    @Override
    public void readConfig(long offset, byte[] data) {
        // no configuration space
    }

    @Override
    public void writeConfig(long offset, byte[] data) {
        // no configuration space
    }

    @Override
    public void queueKicked(int q) {
        drain();
    }

    @Override
    public void deadlineReached() {
        drain();   // tokens are back
    }

    private void drain() {
        SplitQueue queue = queues.queue(0);
        while (worker.mayTakeChain()) {
            Optional<DescriptorChain> next = queue.pop();
            if (next.isEmpty()) {
                if (!queue.enableNotification()) return;    // nothing came in while re-enabling
                continue;
            }
            DescriptorChain chain = next.get();
            int len = (int) Math.min(chain.writableLength(), MAX_REQUEST_BYTES);
            if (len > 0 && !limiter.consume(len)) {
                queue.undoPop();
                throttled.increment();
                worker.setDeadline(System.nanoTime() + limiter.nanosUntilRetry());
                return;
            }
            if (buffer.length < len) buffer = new byte[len];
            random.nextBytes(buffer);
            int written = chain.write(0, buffer, 0, len);
            bytes.add(written);
            requests.increment();
            worker.spend(written);
            complete(queue, chain, written);
        }
    }
}
