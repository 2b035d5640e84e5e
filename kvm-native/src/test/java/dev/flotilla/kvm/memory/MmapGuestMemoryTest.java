package dev.flotilla.kvm.memory;

import dev.flotilla.kvm.memory.GuestMemory.Region;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Anonymous-mmap guest RAM: bounds, host addresses, discard, and use after close (no /dev/kvm needed). */
class MmapGuestMemoryTest {

    private static final long MIB = 1 << 20;

    private static MmapGuestMemory twoRegions() {
        // Deliberately unsorted: allocate sorts them.
        return MmapGuestMemory.allocate(List.of(
                new Region(GuestAddress.of(0x1_0000_0000L), 2 * MIB),
                new Region(GuestAddress.of(0), MIB)));
    }

    @Test
    void readsBackWhatWasWrittenAndStartsZeroed() {
        try (MmapGuestMemory m = twoRegions()) {
            assertEquals(0, m.readU64(GuestAddress.of(0x100)));
            m.writeU64(GuestAddress.of(0x100), 0x1122334455667788L);
            assertEquals(0x1122334455667788L, m.readU64(GuestAddress.of(0x100)));
            assertEquals(0x88, m.readU8(GuestAddress.of(0x100)), "little-endian");
            m.write(GuestAddress.of(0x1_0000_0000L + 2 * MIB - 3), new byte[] {1, 2, 3});
            assertArrayEquals(new byte[] {1, 2, 3}, m.read(GuestAddress.of(0x1_0000_0000L + 2 * MIB - 3), 3));
            assertEquals(3 * MIB, m.totalSize());
        }
    }

    @Test
    void accessesOutsideRamAreRefused() {
        try (MmapGuestMemory m = twoRegions()) {
            assertThrows(GuestMemoryException.class, () -> m.readU32(GuestAddress.of(MIB - 2)), "crosses the end of RAM");
            assertThrows(GuestMemoryException.class, () -> m.readU8(GuestAddress.of(MIB)), "in the hole");
            assertThrows(GuestMemoryException.class, () -> m.write(GuestAddress.of(-8), new byte[16]), "wraps around");
            assertFalse(m.isValid(GuestAddress.of(0x1_0000_0000L), 2 * MIB + 1));
            assertTrue(m.isValid(GuestAddress.of(0x1_0000_0000L), 2 * MIB));
            assertThrows(GuestMemoryException.class, () -> m.slice(GuestAddress.of(MIB - 4), 8));
        }
    }

    @Test
    void hostAddressesAreConsistentWithRegions() {
        try (MmapGuestMemory m = twoRegions()) {
            Region low = m.regions().get(0), high = m.regions().get(1);
            assertEquals(0, low.start().value(), "regions are sorted");
            long lowBase = m.hostAddress(low), highBase = m.hostAddress(high);
            assertEquals(0, lowBase % 4096);
            assertEquals(lowBase + 0x1234, m.hostAddress(GuestAddress.of(0x1234)));
            assertEquals(highBase + 5, m.hostAddress(GuestAddress.of(0x1_0000_0005L)));
            assertThrows(GuestMemoryException.class, () -> m.hostAddress(GuestAddress.of(MIB)));
            assertThrows(IllegalArgumentException.class, () -> m.hostAddress(new Region(GuestAddress.of(0), 4096)));
        }
    }

    @Test
    void discardZeroesPagesAndChecksAlignment() {
        try (MmapGuestMemory m = twoRegions()) {
            m.writeU32(GuestAddress.of(0x2000), 0xCAFE);
            m.writeU32(GuestAddress.of(0x3000), 0xBEEF);
            m.discard(GuestAddress.of(0x2000), 0x1000);
            assertEquals(0, m.readU32(GuestAddress.of(0x2000)), "discarded page reads zero");
            assertEquals(0xBEEF, m.readU32(GuestAddress.of(0x3000)), "the next page is untouched");
            assertThrows(IllegalArgumentException.class, () -> m.discard(GuestAddress.of(0x2001), 0x1000));
            assertThrows(GuestMemoryException.class, () -> m.discard(GuestAddress.of(MIB - 4096), 8192));
        }
    }

    @Test
    void sliceIsAZeroCopyViewOfGuestRam() {
        try (MmapGuestMemory m = twoRegions()) {
            ByteBuffer b = m.slice(GuestAddress.of(0x4000), 16);
            assertTrue(b.isDirect());
            b.putInt(0, 0x01020304);
            assertEquals(0x01020304, m.readU32AsInt(GuestAddress.of(0x4000)));
        }
    }

    @Test
    void everyAccessAfterCloseThrowsAndCloseIsIdempotent() {
        MmapGuestMemory m = twoRegions();
        m.close();
        m.close();
        assertTrue(m.isClosed());
        GuestAddress a = GuestAddress.of(0);
        assertThrows(IllegalStateException.class, () -> m.readU8(a));
        assertThrows(IllegalStateException.class, () -> m.writeU64(a, 1));
        assertThrows(IllegalStateException.class, () -> m.read(a, 4));
        assertThrows(IllegalStateException.class, () -> m.slice(a, 4));
        assertThrows(IllegalStateException.class, () -> m.zero(a, 4));
        assertThrows(IllegalStateException.class, () -> m.hostAddress(a));
        assertThrows(IllegalStateException.class, () -> m.isValid(a, 1));
        assertThrows(IllegalStateException.class, () -> m.discard(a, 4096));
    }

    @Test
    void unalignedRegionsAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> MmapGuestMemory.allocate(List.of(new Region(GuestAddress.of(0), 1000))));
        assertThrows(IllegalArgumentException.class,
                () -> MmapGuestMemory.allocate(List.of(new Region(GuestAddress.of(0x800), 4096))));
    }

    @Test
    void regionsLargerThanOneChunkAreSplitTransparently() {
        long size = ChunkedGuestMemory.MAX_CHUNK + 8192;   // reserved only: MAP_NORESERVE, pages untouched
        try (MmapGuestMemory m = MmapGuestMemory.ofSize(size)) {
            GuestAddress edge = GuestAddress.of(ChunkedGuestMemory.MAX_CHUNK - 4);
            m.writeU64(edge, 0x0102030405060708L);
            assertEquals(0x0102030405060708L, m.readU64(edge), "a value across the 1 GiB chunk edge");
            assertEquals(m.hostAddress(GuestAddress.of(0)) + ChunkedGuestMemory.MAX_CHUNK,
                    m.hostAddress(GuestAddress.of(ChunkedGuestMemory.MAX_CHUNK)), "one contiguous mapping");
        }
    }

    @Test
    void mapFileIsCopyOnWriteOverTheSnapshotLayout(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = dir.resolve("mem");
        byte[] content = new byte[(int) (3 * MIB)];
        content[0x10] = 1;                          // region [0, 1 MiB) starts at file offset 0
        content[(int) MIB + 0x20] = 2;              // region [4 GiB, +2 MiB) starts at file offset 1 MiB
        java.nio.file.Files.write(file, content);
        try (MmapGuestMemory m = MmapGuestMemory.mapFile(List.of(
                new Region(GuestAddress.of(0x1_0000_0000L), 2 * MIB), new Region(GuestAddress.of(0), MIB)), file)) {
            assertEquals(1, m.readU8(GuestAddress.of(0x10)));
            assertEquals(2, m.readU8(GuestAddress.of(0x1_0000_0020L)));
            m.writeU8(GuestAddress.of(0x10), 9);
            assertEquals(9, m.readU8(GuestAddress.of(0x10)));
        }
        assertEquals(1, java.nio.file.Files.readAllBytes(file)[0x10], "guest writes never reach the file");
        assertThrows(GuestMemoryException.class, () -> MmapGuestMemory.mapFile(
                List.of(new Region(GuestAddress.of(0), 4 * MIB)), file), "file too short");
    }
}
