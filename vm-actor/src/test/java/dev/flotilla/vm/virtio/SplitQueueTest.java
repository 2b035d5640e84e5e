package dev.flotilla.vm.virtio;

import static dev.flotilla.vm.virtio.GuestDriver.DATA;
import static dev.flotilla.vm.virtio.GuestDriver.MEM_SIZE;
import static dev.flotilla.vm.virtio.SplitQueue.DESC_F_INDIRECT;
import static dev.flotilla.vm.virtio.SplitQueue.DESC_F_NEXT;
import static dev.flotilla.vm.virtio.SplitQueue.DESC_F_WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SplitQueueTest {

    private static final long INDIRECT = VirtioFeatures.RING_INDIRECT_DESC;

    private GuestDriver driver;
    private QueueMetrics metrics;
    private List<MalformedChain> faults;

    @BeforeEach
    void setUp() {
        driver = new GuestDriver(16);
        metrics = new QueueMetrics();
        faults = new ArrayList<>();
    }

    private SplitQueue queue(long features) {
        return driver.queue(features, metrics, faults::add);
    }

    private SplitQueue queue() {
        return queue(0);
    }

    /** The chain was refused for {@code fault}, completed with length 0, and pop() came back empty. */
    private void assertRefused(SplitQueue q, int head, ChainFault fault) {
        assertTrue(q.pop().isEmpty());
        assertEquals(1, metrics.malformed(fault), metrics.malformedByReason().toString());
        assertEquals(1, metrics.malformedTotal());
        assertEquals(fault, faults.get(0).fault());
        assertEquals(1, driver.usedIdx(), "refused chain is completed");
        assertEquals(head, driver.usedId(0));
        assertEquals(0, driver.usedLen(0));
    }

    // ---- well-formed chains ----

    @Test
    void emptyQueuePopsNothing() {
        assertTrue(queue().pop().isEmpty());
        assertEquals(0, metrics.malformedTotal());
    }

    @Test
    void singleReadableDescriptorIsReadBack() {
        byte[] msg = "hello virtio".getBytes(StandardCharsets.US_ASCII);
        driver.fill(DATA, msg);
        driver.desc(3, DATA, msg.length, 0, 0);
        driver.offer(3);
        SplitQueue q = queue();

        DescriptorChain c = q.pop().orElseThrow();
        assertEquals(3, c.headIndex());
        assertEquals(msg.length, c.readableLength());
        assertEquals(0, c.writableLength());
        assertArrayEquals(msg, c.readAll(64));
        assertTrue(q.pop().isEmpty());
        assertEquals(1, metrics.chainsPopped());
    }

    @Test
    void multiDescriptorChainGathersAndScattersAcrossSegments() {
        driver.fill(DATA, "head".getBytes(StandardCharsets.US_ASCII));
        driver.fill(DATA + 0x100, "er-body".getBytes(StandardCharsets.US_ASCII));
        driver.desc(0, DATA, 4, DESC_F_NEXT, 5);
        driver.desc(5, DATA + 0x100, 7, DESC_F_NEXT, 2);
        driver.desc(2, DATA + 0x200, 3, DESC_F_WRITE | DESC_F_NEXT, 9);
        driver.desc(9, DATA + 0x300, 5, DESC_F_WRITE, 0);
        driver.offer(0);
        SplitQueue q = queue();

        DescriptorChain c = q.pop().orElseThrow();
        assertEquals(2, c.readableSegments().size());
        assertEquals(2, c.writableSegments().size());
        assertEquals("header-body", new String(c.readAll(100), StandardCharsets.US_ASCII));
        byte[] part = new byte[5];
        assertEquals(5, c.read(2, part, 0, 5));
        assertEquals("ader-", new String(part, StandardCharsets.US_ASCII));

        byte[] answer = "12345678".getBytes(StandardCharsets.US_ASCII);
        assertEquals(8, c.write(0, answer, 0, answer.length));
        assertEquals("123", new String(driver.bytes(DATA + 0x200, 3), StandardCharsets.US_ASCII));
        assertEquals("45678", new String(driver.bytes(DATA + 0x300, 5), StandardCharsets.US_ASCII));
        assertEquals(0, c.write(8, answer, 0, 1), "writes stop at the end of the writable part");

        q.addUsed(c.headIndex(), 8);
        assertEquals(1, driver.usedIdx());
        assertEquals(0, driver.usedId(0));
        assertEquals(8, driver.usedLen(0));
    }

    @Test
    void byteBufferHelpersStopAtTheEndOfTheirPart() {
        driver.fill(DATA, new byte[] {1, 2, 3});
        driver.desc(0, DATA, 3, DESC_F_NEXT, 1);
        driver.desc(1, DATA + 0x10, 2, DESC_F_WRITE, 0);
        driver.offer(0);
        DescriptorChain c = queue().pop().orElseThrow();

        java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(8);
        assertEquals(3, c.read(0, direct));
        assertEquals(3, direct.position());
        assertEquals(2, direct.get(1));
        java.nio.ByteBuffer src = java.nio.ByteBuffer.wrap(new byte[] {9, 8, 7});
        assertEquals(2, c.write(0, src));
        assertEquals(1, src.remaining());
        assertArrayEquals(new byte[] {9, 8}, driver.bytes(DATA + 0x10, 2));
    }

    @Test
    void readAllRefusesMoreThanTheCallersLimit() {
        driver.desc(0, DATA, 100, 0, 0);
        driver.offer(0);
        DescriptorChain c = queue().pop().orElseThrow();
        assertThrows(IllegalArgumentException.class, () -> c.readAll(99));
    }

    @Test
    void indirectTableIsFollowedWhenNegotiated() {
        long table = DATA + 0x1000;
        driver.fill(DATA, "req".getBytes(StandardCharsets.US_ASCII));
        driver.desc(table, 0, DATA, 3, DESC_F_NEXT, 1);
        driver.desc(table, 1, DATA + 0x40, 16, DESC_F_WRITE, 0);
        driver.desc(7, table, 32, DESC_F_INDIRECT, 0);
        driver.offer(7);

        DescriptorChain c = queue(INDIRECT).pop().orElseThrow();
        assertEquals(7, c.headIndex(), "an indirect chain completes under its head in the main table");
        assertEquals("req", new String(c.readAll(16), StandardCharsets.US_ASCII));
        assertEquals(16, c.writableLength());
    }

    @Test
    void chainsArePoppedInAvailOrderAcrossIndexWrap() {
        SplitQueue q = queue();
        driver.desc(0, DATA, 1, 0, 0);
        driver.desc(1, DATA, 2, 0, 0);
        // Run the indices up to the 16-bit wrap.
        for (int i = 0; i < 70000; i++) {
            driver.offer(i & 1);
            DescriptorChain c = q.pop().orElseThrow();
            assertEquals(i & 1, c.headIndex());
            q.addUsed(c.headIndex(), 0);
        }
        assertEquals(70000 & 0xFFFF, driver.usedIdx());
        assertEquals(0, metrics.malformedTotal());
    }

    @Test
    void undoPopReturnsTheSameChainAgain() {
        driver.desc(4, DATA, 8, 0, 0);
        driver.offer(4);
        SplitQueue q = queue();
        DescriptorChain c = q.pop().orElseThrow();
        q.undoPop();
        assertEquals(c.headIndex(), q.pop().orElseThrow().headIndex());
        assertTrue(q.pop().isEmpty());
        assertThrows(IllegalStateException.class, q::undoPop);
    }

    @Test
    void guestRewritingADescriptorAfterPopCannotMoveTheBuffer() {
        driver.desc(0, DATA, 4, DESC_F_WRITE, 0);
        driver.offer(0);
        DescriptorChain c = queue().pop().orElseThrow();
        driver.desc(0, MEM_SIZE - 2, 4, DESC_F_WRITE, 0);
        assertEquals(4, c.write(0, new byte[] {1, 2, 3, 4}, 0, 4));
        assertArrayEquals(new byte[] {1, 2, 3, 4}, driver.bytes(DATA, 4));
    }

    // ---- hostile chains ----

    @Test
    void descriptorLoopIsRefusedNotFollowedForever() {
        driver.desc(0, DATA, 1, DESC_F_NEXT, 1);
        driver.desc(1, DATA, 1, DESC_F_NEXT, 0);
        driver.offer(0);
        assertRefused(queue(), 0, ChainFault.CHAIN_LOOP);
    }

    @Test
    void selfLoopIsRefused() {
        driver.desc(2, DATA, 1, DESC_F_NEXT, 2);
        driver.offer(2);
        assertRefused(queue(), 2, ChainFault.CHAIN_LOOP);
    }

    @Test
    void nextBeyondTheQueueSizeIsRefused() {
        driver.desc(0, DATA, 1, DESC_F_NEXT, 16);
        driver.offer(0);
        assertRefused(queue(), 0, ChainFault.NEXT_OUT_OF_RANGE);
    }

    @Test
    void headBeyondTheQueueSizeIsSkippedWithoutAUsedEntry() {
        driver.offer(16);
        driver.desc(1, DATA, 1, 0, 0);
        driver.offer(1);
        SplitQueue q = queue();
        assertEquals(1, q.pop().orElseThrow().headIndex(), "the next good chain is still served");
        assertEquals(1, metrics.malformed(ChainFault.HEAD_OUT_OF_RANGE));
        assertEquals(0, driver.usedIdx());
    }

    @Test
    void bufferOutsideGuestRamIsRefused() {
        driver.desc(0, MEM_SIZE - 8, 16, 0, 0);
        driver.offer(0);
        assertRefused(queue(), 0, ChainFault.BUFFER_OUT_OF_RAM);
    }

    @Test
    void bufferWhoseEndOverflowsTwoToTheSixtyFourIsRefused() {
        driver.desc(0, 0xFFFF_FFFF_FFFF_FFF0L, 0xFFFF_FFFFL, DESC_F_WRITE, 0);
        driver.offer(0);
        assertRefused(queue(), 0, ChainFault.BUFFER_OUT_OF_RAM);
    }

    @Test
    void chainLongerThanTheByteLimitIsRefused() {
        // The same in-RAM buffer named 3000 times (overlap is legal): 3000 x 832 KiB > 2 GiB, in a queue that
        // allows 3000 descriptors.
        driver = GuestDriver.large(4096);
        long table = DATA + 0x1000;
        int n = 3000;
        for (int i = 0; i < n; i++) {
            driver.desc(table, i, DATA, 0xD0000, DESC_F_NEXT, i + 1);
        }
        driver.desc(table, n - 1, DATA, 0xD0000, 0, 0);
        driver.desc(0, table, 16L * n, DESC_F_INDIRECT, 0);
        driver.offer(0);
        assertRefused(queue(INDIRECT), 0, ChainFault.CHAIN_TOO_LARGE);
    }

    @Test
    void indirectTableLongerThanTheQueueIsRefusedNotWalked() {
        // 17 well-formed descriptors behind one indirect descriptor of a 16-entry queue: a chain longer than
        // the queue (virtio 1.2 §2.7.5.3.1), refused from its length alone.
        long table = DATA + 0x1000;
        int n = 17;
        for (int i = 0; i < n; i++) driver.desc(table, i, DATA, 64, i + 1 < n ? DESC_F_NEXT : 0, i + 1);
        driver.desc(0, table, 16L * n, DESC_F_INDIRECT, 0);
        driver.offer(0);
        assertRefused(queue(INDIRECT), 0, ChainFault.INDIRECT_BAD_SIZE);
        assertTrue(faults.get(0).detail().contains("in a queue of 16"), faults.get(0).detail());
    }

    @Test
    void aMaximalIndirectTableOfQueueSizeEntriesIsStillServed() {
        long table = DATA + 0x1000;
        int n = 16;
        for (int i = 0; i < n; i++) driver.desc(table, i, DATA + 64L * i, 64, i + 1 < n ? DESC_F_NEXT : 0, i + 1);
        driver.desc(0, table, 16L * n, DESC_F_INDIRECT, 0);
        driver.offer(0);
        DescriptorChain c = queue(INDIRECT).pop().orElseThrow();
        assertEquals(16, c.readableSegments().size());
        assertEquals(0, metrics.malformedTotal());
    }

    @Test
    void aDriverWithASmallQueueMaySendTablesAsLongAsTheDevicesLargestQueueAndNoLonger() {
        // the probe guest's blkseq: an 8-entry queue (here 16), 130-descriptor tables; QEMU takes them too
        long table = DATA + 0x1000;
        int n = 130;
        for (int i = 0; i < n; i++) driver.desc(table, i, DATA + 64L * i, 64, i + 1 < n ? DESC_F_NEXT : 0, i + 1);
        driver.desc(0, table, 16L * n, DESC_F_INDIRECT, 0);
        driver.offer(0);
        SplitQueue q = driver.queue(INDIRECT, metrics, faults::add, 256);
        assertEquals(130, q.pop().orElseThrow().readableSegments().size());

        int tooLong = 257;
        for (int i = 0; i < tooLong; i++) driver.desc(table, i, DATA, 64, i + 1 < tooLong ? DESC_F_NEXT : 0, i + 1);
        driver.desc(1, table, 16L * tooLong, DESC_F_INDIRECT, 0);
        driver.offer(1);
        assertTrue(q.pop().isEmpty());
        assertEquals(1, metrics.malformed(ChainFault.INDIRECT_BAD_SIZE), "longer than the device's 256: refused");
    }

    @Test
    void aChainOfDirectDescriptorsLongerThanTheQueueIsALoop() {
        // a ring in the main table: every descriptor valid, NEXT forever
        for (int i = 0; i < 16; i++) driver.desc(i, DATA, 64, DESC_F_NEXT, (i + 1) % 16);
        driver.offer(0);
        assertRefused(queue(), 0, ChainFault.CHAIN_LOOP);
    }

    @Test
    void zeroLengthBufferOutsideRamIsRefused() {
        driver.desc(0, MEM_SIZE + 0x1000, 0, 0, 0);
        driver.offer(0);
        assertRefused(queue(), 0, ChainFault.BUFFER_OUT_OF_RAM);
    }

    @Test
    void readableAfterWritableIsRefused() {
        driver.desc(0, DATA, 4, DESC_F_WRITE | DESC_F_NEXT, 1);
        driver.desc(1, DATA, 4, 0, 0);
        driver.offer(0);
        assertRefused(queue(), 0, ChainFault.READABLE_AFTER_WRITABLE);
    }

    @Test
    void indirectDescriptorWithoutTheFeatureIsRefused() {
        driver.desc(DATA + 0x1000, 0, DATA, 4, 0, 0);
        driver.desc(0, DATA + 0x1000, 16, DESC_F_INDIRECT, 0);
        driver.offer(0);
        assertRefused(queue(0), 0, ChainFault.INDIRECT_NOT_NEGOTIATED);
    }

    @Test
    void indirectTableOutsideRamIsRefused() {
        driver.desc(0, MEM_SIZE - 16, 32, DESC_F_INDIRECT, 0);
        driver.offer(0);
        assertRefused(queue(INDIRECT), 0, ChainFault.INDIRECT_OUT_OF_RAM);
    }

    @Test
    void indirectTableOfBadSizeIsRefused() {
        driver.desc(0, DATA + 0x1000, 24, DESC_F_INDIRECT, 0);
        driver.offer(0);
        assertRefused(queue(INDIRECT), 0, ChainFault.INDIRECT_BAD_SIZE);
    }

    @Test
    void emptyIndirectTableIsRefused() {
        driver.desc(0, DATA + 0x1000, 0, DESC_F_INDIRECT, 0);
        driver.offer(0);
        assertRefused(queue(INDIRECT), 0, ChainFault.INDIRECT_BAD_SIZE);
    }

    @Test
    void nestedIndirectTableIsRefused() {
        long outer = DATA + 0x1000;
        long inner = DATA + 0x2000;
        driver.desc(inner, 0, DATA, 4, 0, 0);
        driver.desc(outer, 0, inner, 16, DESC_F_INDIRECT, 0);
        driver.desc(0, outer, 16, DESC_F_INDIRECT, 0);
        driver.offer(0);
        assertRefused(queue(INDIRECT), 0, ChainFault.NESTED_INDIRECT);
    }

    @Test
    void indirectWithNextIsRefused() {
        driver.desc(DATA + 0x1000, 0, DATA, 4, 0, 0);
        driver.desc(0, DATA + 0x1000, 16, DESC_F_INDIRECT | DESC_F_NEXT, 1);
        driver.offer(0);
        assertRefused(queue(INDIRECT), 0, ChainFault.INDIRECT_WITH_NEXT);
    }

    @Test
    void loopInsideAnIndirectTableIsRefused() {
        long table = DATA + 0x1000;
        driver.desc(table, 0, DATA, 4, DESC_F_NEXT, 1);
        driver.desc(table, 1, DATA, 4, DESC_F_NEXT, 0);
        driver.desc(0, table, 32, DESC_F_INDIRECT, 0);
        driver.offer(0);
        assertRefused(queue(INDIRECT), 0, ChainFault.CHAIN_LOOP);
    }

    @Test
    void nextBeyondAnIndirectTableIsRefused() {
        long table = DATA + 0x1000;
        driver.desc(table, 0, DATA, 4, DESC_F_NEXT, 2);
        driver.desc(0, table, 32, DESC_F_INDIRECT, 0);
        driver.offer(0);
        assertRefused(queue(INDIRECT), 0, ChainFault.NEXT_OUT_OF_RANGE);
    }

    @Test
    void malformedChainIsSkippedAndTheNextOneServed() {
        driver.desc(0, DATA, 1, DESC_F_NEXT, 0);
        driver.desc(1, DATA, 5, 0, 0);
        driver.offer(0);
        driver.offer(1);
        SplitQueue q = queue();
        Optional<DescriptorChain> c = q.pop();
        assertEquals(1, c.orElseThrow().headIndex());
        assertEquals(1, metrics.malformed(ChainFault.CHAIN_LOOP));
    }

    @Test
    void availIndexJumpBreaksTheQueue() {
        driver.desc(0, DATA, 1, 0, 0);
        driver.setAvailIdx(17);   // 17 new entries in a queue of 16
        SplitQueue q = queue();
        assertTrue(q.pop().isEmpty());
        assertTrue(q.isBroken());
        assertEquals(1, metrics.malformed(ChainFault.AVAIL_INDEX_JUMP));
        assertEquals(-1, faults.get(0).head());
        driver.setAvailIdx(1);
        assertTrue(q.pop().isEmpty(), "a broken queue stays stopped");
        assertFalse(q.needsNotification());
    }

    @Test
    void availIndexGoingBackwardsBreaksTheQueue() {
        driver.desc(0, DATA, 1, 0, 0);
        driver.offer(0);
        SplitQueue q = queue();
        q.addUsed(q.pop().orElseThrow().headIndex(), 0);
        driver.setAvailIdx(0);
        assertTrue(q.pop().isEmpty());
        assertTrue(q.isBroken());
    }

    @Test
    void everyEntryAHostileLoopStillEndsThePopBounded() {
        for (int i = 0; i < 16; i++) {
            driver.desc(i, DATA, 1, DESC_F_NEXT, (i + 1) % 16);
            driver.offer(i);
        }
        SplitQueue q = queue();
        assertTrue(q.pop().isEmpty());
        assertEquals(16, metrics.malformed(ChainFault.CHAIN_LOOP));
        assertEquals(16, driver.usedIdx());
    }

    @Test
    void layoutOutsideRamIsRefusedAtConstruction() {
        QueueLayout bad = new QueueLayout(16, MEM_SIZE - 64, GuestDriver.AVAIL, GuestDriver.USED);
        assertTrue(bad.problem(driver.mem, 256).isPresent());
        assertThrows(IllegalArgumentException.class,
                () -> new SplitQueue(0, bad, driver.mem, 0, metrics, faults::add));
    }
}
