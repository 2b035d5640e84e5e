package dev.flotilla.vm.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.kvm.memory.GuestAddress;
import java.lang.invoke.VarHandle;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A driver thread and a device thread sharing one ring, as a vCPU and a device worker do: every
 * request is served exactly once, in order, with its own payload, and the driver recycles
 * descriptors only after the device has published them as used.
 */
class ConcurrentRingTest {

    private static final int REQUESTS = 20_000;

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void driverAndDeviceThreadsAgreeOnEveryRequest() throws InterruptedException {
        GuestDriver ring = new GuestDriver(16);
        QueueMetrics metrics = new QueueMetrics();
        SplitQueue queue = ring.queue(VirtioFeatures.RING_EVENT_IDX, metrics, c -> { });
        AtomicReference<Throwable> failure = new AtomicReference<>();

        Thread driver = new Thread(() -> {
            for (int n = 0; n < REQUESTS; n++) {   // REQUESTS < 2^16: indices never wrap here
                while (n - ring.usedIdx() >= 16) {   // ring full: wait for the device to give slots back
                    Thread.onSpinWait();
                }
                int slot = n % 16;
                long buf = GuestDriver.DATA + 8L * slot;
                ring.mem.writeU32(GuestAddress.of(buf), n);
                ring.desc(slot, buf, 4, 0, 0);
                ring.mem.writeU16(GuestAddress.of(GuestDriver.AVAIL + 4 + 2L * slot), slot);
                VarHandle.releaseFence();   // the guest's virtio_wmb before publishing avail.idx
                ring.mem.writeU16(GuestAddress.of(GuestDriver.AVAIL + 2), (n + 1) & 0xFFFF);
            }
        }, "driver");

        Thread device = new Thread(() -> {
            try {
                byte[] b = new byte[4];
                int expected = 0;
                while (expected < REQUESTS) {
                    Optional<DescriptorChain> c = queue.pop();
                    if (c.isEmpty()) {
                        Thread.onSpinWait();
                        continue;
                    }
                    c.get().read(0, b, 0, 4);
                    int value = (b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16 | (b[3] & 0xFF) << 24;
                    assertEquals(expected, value, "request payload");
                    assertEquals(expected % 16, c.get().headIndex());
                    queue.addUsed(c.get().headIndex(), 0);
                    expected++;
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "device");

        device.start();
        driver.start();
        driver.join(30_000);
        device.join(30_000);
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(REQUESTS, metrics.chainsPopped());
        assertEquals(0, metrics.malformedTotal());
        assertTrue(!queue.isBroken());
        assertEquals(REQUESTS & 0xFFFF, ring.usedIdx());
    }
}
