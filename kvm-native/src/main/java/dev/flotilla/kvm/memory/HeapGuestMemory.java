package dev.flotilla.kvm.memory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Guest memory on the Java heap: for unit tests of boot writers, queues and devices. Not for KVM. */
public final class HeapGuestMemory extends ChunkedGuestMemory {

    private HeapGuestMemory(List<Region> regions, List<ByteBuffer> chunks) {
        super(regions, chunks);
    }

    public static HeapGuestMemory of(List<Region> regions) {
        List<ByteBuffer> chunks = new ArrayList<>();
        for (Region r : regions) {
            for (int size : chunkSizes(r)) chunks.add(ByteBuffer.allocate(size));
        }
        return new HeapGuestMemory(regions, chunks);
    }

    /** One region [0, size). */
    public static HeapGuestMemory ofSize(long size) {
        return of(List.of(new Region(GuestAddress.of(0), size)));
    }
}
