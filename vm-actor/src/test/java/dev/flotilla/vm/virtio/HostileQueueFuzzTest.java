package dev.flotilla.vm.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.kvm.memory.GuestAddress;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random rings: whatever the guest writes into its descriptor table and avail ring, pop() returns,
 * never throws, and only hands out chains whose every buffer is inside guest RAM.
 */
class HostileQueueFuzzTest {

    @Test
    void randomDescriptorTablesNeverEscapeGuestRamOrHang() {
        Random rnd = new Random(0xF107111AL);
        long served = 0;
        long refused = 0;
        int broken = 0;
        for (int round = 0; round < 300; round++) {
            GuestDriver driver = new GuestDriver(16);
            QueueMetrics metrics = new QueueMetrics();
            SplitQueue q = driver.queue(VirtioFeatures.RING_INDIRECT_DESC | (round % 2 == 0 ? VirtioFeatures.RING_EVENT_IDX : 0),
                    metrics, c -> { });
            // Random main table and a random region that indirect descriptors may point into.
            for (int i = 0; i < 16; i++) {
                driver.desc(i, randomAddr(rnd), randomLen(rnd), rnd.nextInt(8), rnd.nextInt(20));
            }
            for (int i = 0; i < 64; i++) {
                driver.desc(GuestDriver.DATA, i, randomAddr(rnd), randomLen(rnd), rnd.nextInt(8), rnd.nextInt(70));
            }
            int offered = 1 + rnd.nextInt(16);
            for (int i = 0; i < offered; i++) {
                driver.offer(rnd.nextInt(18));
            }
            if (rnd.nextInt(10) == 0) {
                driver.setAvailIdx(rnd.nextInt(65536));
            }
            int popped = 0;
            Optional<DescriptorChain> c;
            while ((c = q.pop()).isPresent()) {
                for (GuestSegment s : c.get().readableSegments()) {
                    assertTrue(driver.mem.isValid(GuestAddress.of(s.addr()), s.len()), s.toString());
                }
                for (GuestSegment s : c.get().writableSegments()) {
                    assertTrue(driver.mem.isValid(GuestAddress.of(s.addr()), s.len()), s.toString());
                }
                c.get().write(0, new byte[64], 0, 64);
                q.addUsed(c.get().headIndex(), 0);
                popped++;
                assertTrue(popped <= 16, "more chains than the ring can hold");
            }
            q.needsNotification();
            q.enableNotification();
            assertEquals(popped, metrics.chainsPopped());
            served += popped;
            refused += metrics.malformedTotal();
            broken += q.isBroken() ? 1 : 0;
            if (!q.isBroken()) {
                assertEquals(offered, popped + metrics.malformedTotal(), "every entry is either served or refused");
            }
        }
        // The generator must exercise all three outcomes, or this test proves nothing.
        assertTrue(served > 50 && refused > 500 && broken > 5, served + " served, " + refused + " refused, " + broken + " broken");
    }

    private static long randomAddr(Random rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> rnd.nextLong();
            case 1 -> GuestDriver.MEM_SIZE - rnd.nextInt(64);
            default -> GuestDriver.DATA + rnd.nextInt(0x8000);
        };
    }

    private static long randomLen(Random rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> rnd.nextInt() & 0xFFFF_FFFFL;
            case 1 -> 16L * rnd.nextInt(80);
            default -> rnd.nextInt(256);
        };
    }
}
