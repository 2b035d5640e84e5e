package dev.flotilla.vm.devices.balloon;

import dev.flotilla.kvm.memory.GuestMemory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a batch of page frame numbers from the guest into validated, page-aligned guest-physical ranges:
 * each PFN must name a whole 4 KiB page of guest RAM (anything else is counted and dropped, never handed to
 * madvise). The batch is sorted and de-duplicated first, so pages the guest lists in any order, or many
 * times over, merge into the fewest ranges (one madvise each) inside one RAM region: a batch never costs
 * more calls than it has distinct pages. Pure logic.
 */
final class PageRanges {

    static final long PAGE_SIZE = 4096;

    /** A run of whole pages [start, start + len). */
    record Range(long start, long len) {}

    /**
     * The ranges in address order, how many PFNs were refused (not guest RAM) and how many repeated a
     * PFN already in the batch.
     */
    record Result(List<Range> ranges, int invalid, int duplicates) {
        /** Distinct whole pages the ranges cover. */
        long pages() {
            long n = 0;
            for (Range r : ranges) n += r.len() / PAGE_SIZE;
            return n;
        }
    }

    private PageRanges() {}

    static Result of(int[] pfns, int count, GuestMemory mem) {
        long[] sorted = new long[count];
        for (int i = 0; i < count; i++) sorted[i] = Integer.toUnsignedLong(pfns[i]);
        Arrays.sort(sorted);
        List<GuestMemory.Region> regions = mem.regions();
        List<Range> out = new ArrayList<>();
        int invalid = 0;
        int duplicates = 0;
        long runStart = -1;
        long runLen = 0;
        int runRegion = -1;
        for (int i = 0; i < count; i++) {
            if (i > 0 && sorted[i] == sorted[i - 1]) {
                duplicates++;
                continue;
            }
            long addr = sorted[i] * PAGE_SIZE;
            int region = regionOf(regions, addr);
            if (region < 0) {
                invalid++;
                continue;
            }
            if (runStart >= 0 && region == runRegion && addr == runStart + runLen) {
                runLen += PAGE_SIZE;
                continue;
            }
            if (runStart >= 0) out.add(new Range(runStart, runLen));
            runStart = addr;
            runLen = PAGE_SIZE;
            runRegion = region;
        }
        if (runStart >= 0) out.add(new Range(runStart, runLen));
        return new Result(out, invalid, duplicates);
    }

    private static int regionOf(List<GuestMemory.Region> regions, long addr) {
        for (int r = 0; r < regions.size(); r++) {
            if (regions.get(r).contains(addr, PAGE_SIZE) && (addr - regions.get(r).start().value()) % PAGE_SIZE == 0) {
                return r;
            }
        }
        return -1;
    }
}
