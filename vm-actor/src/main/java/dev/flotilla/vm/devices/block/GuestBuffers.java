package dev.flotilla.vm.devices.block;

import dev.flotilla.kvm.memory.ChunkedGuestMemory;
import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory;
import dev.flotilla.vm.virtio.GuestSegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a byte range of a chain's segments into ByteBuffer views of guest RAM, so file I/O moves
 * data straight between the file and guest memory. A view must lie in one memory chunk (a
 * ByteBuffer is int-indexed), so segments are cut at chunk edges as well.
 */
final class GuestBuffers {

    private GuestBuffers() {
    }

    /**
     * Views of bytes {@code [skip, skip+len)} of the concatenation of {@code segments}, in order.
     * The segments were checked against guest RAM when the chain was popped.
     */
    static List<ByteBuffer> views(GuestMemory mem, List<GuestSegment> segments, long skip, long len) {
        List<ByteBuffer> out = new ArrayList<>(segments.size());
        long left = len;
        for (GuestSegment s : segments) {
            if (left == 0) break;
            if (skip >= s.len()) {
                skip -= s.len();
                continue;
            }
            long addr = s.addr() + skip;
            long n = Math.min(left, s.len() - skip);
            skip = 0;
            left -= n;
            while (n > 0) {
                int piece = (int) Math.min(n, chunkEnd(mem, addr) - addr);
                out.add(mem.slice(GuestAddress.of(addr), piece));
                addr += piece;
                n -= piece;
            }
        }
        return out;
    }

    /** The end of the memory chunk holding {@code addr}: chunks are MAX_CHUNK-sized from each region's start. */
    private static long chunkEnd(GuestMemory mem, long addr) {
        for (GuestMemory.Region r : mem.regions()) {
            if (r.contains(addr, 0) && addr != r.end()) {
                long off = addr - r.start().value();
                return Math.min(r.end(), r.start().value() + (off / ChunkedGuestMemory.MAX_CHUNK + 1) * ChunkedGuestMemory.MAX_CHUNK);
            }
        }
        // Not in RAM: let slice() report it with its own message.
        return addr + Math.min(Integer.MAX_VALUE, ChunkedGuestMemory.MAX_CHUNK);
    }
}
