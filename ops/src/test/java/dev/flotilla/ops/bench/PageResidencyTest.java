package dev.flotilla.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.MmapGuestMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class PageResidencyTest {

    @Test
    void countsEntriesWithThePresentBitOnly() {
        ByteBuffer b = ByteBuffer.allocate(4 * 8).order(ByteOrder.nativeOrder());
        b.putLong(1L << 63);                 // present
        b.putLong(0);                        // not mapped
        b.putLong(1L << 62);                 // swapped, not present
        b.putLong((1L << 63) | 0x1234);      // present with a pfn
        b.flip();
        assertEquals(2, PageResidency.countPresent(b));
    }

    @Test
    void touchedPagesOfAFreshMappingAreResidentAndTheOthersNot() {
        try (MmapGuestMemory mem = MmapGuestMemory.ofSize(64 * PageResidency.PAGE)) {
            long base = mem.hostAddress(mem.regions().get(0));
            assertEquals(0, PageResidency.residentBytes(base, 64 * PageResidency.PAGE));
            for (int page : new int[] {0, 5, 63}) mem.writeU8(GuestAddress.of(page * PageResidency.PAGE), 1);
            assertEquals(3 * PageResidency.PAGE, PageResidency.residentBytes(base, 64 * PageResidency.PAGE));
        }
    }

    @Test
    void refusesUnalignedRanges() {
        assertThrows(IllegalArgumentException.class, () -> PageResidency.residentBytes(4097, 4096));
    }
}
