package dev.flotilla.vm.devices.balloon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class GuestMemoryStatsTest {

    static byte[] entries(long... tagValue) {
        ByteBuffer b = ByteBuffer.allocate(tagValue.length / 2 * GuestMemoryStats.ENTRY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < tagValue.length; i += 2) b.putShort((short) tagValue[i]).putLong(tagValue[i + 1]);
        return b.array();
    }

    @Test
    void readsTheTaggedValuesItKnows() {
        byte[] b = entries(GuestMemoryStats.TAG_SWAP_IN, 1, GuestMemoryStats.TAG_SWAP_OUT, 2,
                GuestMemoryStats.TAG_MAJFLT, 3, GuestMemoryStats.TAG_MINFLT, 4, GuestMemoryStats.TAG_MEMFREE, 5L << 20,
                GuestMemoryStats.TAG_MEMTOT, 128L << 20, GuestMemoryStats.TAG_AVAIL, 100L << 20,
                GuestMemoryStats.TAG_CACHES, 7, GuestMemoryStats.TAG_HTLB_PGALLOC, 8, GuestMemoryStats.TAG_HTLB_PGFAIL, 9);
        GuestMemoryStats s = GuestMemoryStats.parse(b, b.length);
        assertEquals(OptionalLong.of(1), s.swapIn());
        assertEquals(OptionalLong.of(2), s.swapOut());
        assertEquals(OptionalLong.of(3), s.majorFaults());
        assertEquals(OptionalLong.of(4), s.minorFaults());
        assertEquals(OptionalLong.of(5L << 20), s.freeMemory());
        assertEquals(OptionalLong.of(128L << 20), s.totalMemory());
        assertEquals(OptionalLong.of(100L << 20), s.availableMemory());
        assertEquals(OptionalLong.of(7), s.diskCaches());
        assertEquals(OptionalLong.of(8), s.hugetlbAllocations());
        assertEquals(OptionalLong.of(9), s.hugetlbFailures());
    }

    @Test
    void skipsUnknownTagsAndATrailingPartialEntry() {
        byte[] b = entries(42, 999, GuestMemoryStats.TAG_MEMTOT, 64L << 20, GuestMemoryStats.TAG_MEMFREE, 1);
        GuestMemoryStats s = GuestMemoryStats.parse(b, b.length - 3);
        assertEquals(OptionalLong.of(64L << 20), s.totalMemory());
        assertEquals(OptionalLong.empty(), s.freeMemory(), "the cut entry is not read");
        assertEquals(OptionalLong.empty(), s.swapIn(), "absent stays absent");
    }
}
