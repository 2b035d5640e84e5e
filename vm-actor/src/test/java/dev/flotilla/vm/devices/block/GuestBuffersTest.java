package dev.flotilla.vm.devices.block;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flotilla.kvm.memory.ChunkedGuestMemory;
import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory;
import dev.flotilla.vm.virtio.GuestSegment;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Segment ranges become guest-RAM views that never straddle a memory chunk (a 1 GiB ByteBuffer). */
class GuestBuffersTest {

    private static final long GIB = ChunkedGuestMemory.MAX_CHUNK;

    /** A memory of 3 GiB at 0 and 2 GiB at 4 GiB (MmapGuestMemory's layout for a 5 GiB guest) that records slices. */
    private static GuestMemory recording(List<long[]> slices) {
        List<GuestMemory.Region> regions = List.of(new GuestMemory.Region(GuestAddress.of(0), 3 * GIB),
                new GuestMemory.Region(GuestAddress.of(4 * GIB), 2 * GIB));
        return (GuestMemory) Proxy.newProxyInstance(GuestMemory.class.getClassLoader(), new Class<?>[] {GuestMemory.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "regions":
                            return regions;
                        case "slice":
                            slices.add(new long[] {((GuestAddress) args[0]).value(), (int) args[1]});
                            return ByteBuffer.allocate(0);
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    @Test
    void rangesAreCutAtSegmentAndChunkEdgesAndSkipTheHeader() {
        List<long[]> slices = new ArrayList<>();
        List<GuestSegment> segs = List.of(new GuestSegment(0x1000, 16), new GuestSegment(GIB - 4096, 8192),
                new GuestSegment(5 * GIB - 512, 1024), new GuestSegment(0x2000, 1));
        List<ByteBuffer> views = GuestBuffers.views(recording(slices), segs, 16, 8192 + 1024);
        assertEquals(4, views.size());
        assertEquals(List.of(List.of(GIB - 4096, 4096L), List.of(GIB, 4096L), List.of(5 * GIB - 512, 512L),
                List.of(5 * GIB, 512L)), slices.stream().map(s -> List.of(s[0], s[1])).toList());
    }

    @Test
    void aRangeStartingMidSegmentStopsAtItsLength() {
        List<long[]> slices = new ArrayList<>();
        List<GuestSegment> segs = List.of(new GuestSegment(0x10000, 4096), new GuestSegment(0x20000, 4096));
        GuestBuffers.views(recording(slices), segs, 4000, 200);
        assertEquals(List.of(List.of(0x10000L + 4000, 96L), List.of(0x20000L, 104L)),
                slices.stream().map(s -> List.of(s[0], s[1])).toList());
    }
}
