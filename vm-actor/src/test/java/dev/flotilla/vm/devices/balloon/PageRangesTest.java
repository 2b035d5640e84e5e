package dev.flotilla.vm.devices.balloon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory;
import dev.flotilla.kvm.memory.HeapGuestMemory;
import java.util.List;
import org.junit.jupiter.api.Test;

class PageRangesTest {

    /** RAM at [0, 1 MiB) and [2 MiB, 3 MiB): a hole between, as below and above the MMIO gap. */
    private final HeapGuestMemory mem = HeapGuestMemory.of(List.of(
            new GuestMemory.Region(GuestAddress.of(0), 1 << 20),
            new GuestMemory.Region(GuestAddress.of(2 << 20), 1 << 20)));

    private static PageRanges.Range r(long startPfn, long pages) {
        return new PageRanges.Range(startPfn * 4096, pages * 4096);
    }

    @Test
    void mergesContiguousPagesIntoOneRange() {
        int[] pfns = {10, 11, 12, 13, 20, 21, 5};
        PageRanges.Result res = PageRanges.of(pfns, pfns.length, mem);
        assertEquals(List.of(r(5, 1), r(10, 4), r(20, 2)), res.ranges());
        assertEquals(0, res.invalid());
    }

    @Test
    void scatteredAndRepeatedPagesMergeIntoTheFewestRanges() {
        // a hostile order (descending, interleaved) and every page named three times: one range
        int[] pfns = new int[3 * 64];
        for (int i = 0; i < 64; i++) {
            pfns[i] = 100 + 63 - i;
            pfns[64 + i] = 100 + (i * 37) % 64;
            pfns[128 + i] = 100 + i;
        }
        PageRanges.Result res = PageRanges.of(pfns, pfns.length, mem);
        assertEquals(List.of(r(100, 64)), res.ranges());
        assertEquals(128, res.duplicates());
        assertEquals(0, res.invalid());
        assertEquals(64, res.pages());
    }

    @Test
    void refusesPagesOutsideRamAndNeverMergesAcrossTheHole() {
        int[] pfns = {255, 256, 511, 512, 513, 767, 768, 0xFFFF_FFFF};
        PageRanges.Result res = PageRanges.of(pfns, pfns.length, mem);
        // 256..511 is the hole; 768 is past the end; 0xFFFFFFFF is far beyond (no overflow)
        assertEquals(List.of(r(255, 1), r(512, 2), r(767, 1)), res.ranges());
        assertEquals(4, res.invalid());
    }

    @Test
    void onlyTheFirstCountEntriesCount() {
        int[] pfns = {1, 2, 3, 4};
        assertEquals(List.of(r(1, 2)), PageRanges.of(pfns, 2, mem).ranges());
    }
}
