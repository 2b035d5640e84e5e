package dev.flotilla.vm.devices.balloon;

import dev.flotilla.kvm.memory.GuestMemory;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a batch of page frame numbers from the guest into validated, page-aligned guest-physical ranges:
 * each PFN must name a whole 4 KiB page of guest RAM (anything else is counted and dropped, never handed to
 * madvise), and neighbouring PFNs inside one RAM region are merged so a batch of 256 contiguous pages costs
 * one madvise call. Pure logic.
 */
final class PageRanges {

    static final long PAGE_SIZE = 4096;

    /** A run of whole pages [start, start + len). */
    record Range(long start, long len) {}

    /** The ranges and how many PFNs were refused. */
    record Result(List<Range> ranges, int invalid) {}

    private PageRanges() {}

    static Result of(int[] pfns, int count, GuestMemory mem) {
        List<GuestMemory.Region> regions = mem.regions();
        List<Range> out = new ArrayList<>();
        int invalid = 0;
        long runStart = -1;
        long runLen = 0;
        int runRegion = -1;
        for (int i = 0; i < count; i++) {
            long addr = Integer.toUnsignedLong(pfns[i]) * PAGE_SIZE;
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
        return new Result(out, invalid);
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
