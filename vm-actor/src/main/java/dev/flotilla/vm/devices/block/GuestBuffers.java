package dev.flotilla.vm.devices.block;

import dev.flotilla.kvm.memory.ChunkedGuestMemory;
import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory;
import dev.flotilla.kvm.memory.MmapGuestMemory;
import dev.flotilla.kvm.sys.VectoredIo;
import dev.flotilla.vm.virtio.GuestSegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a byte range of a chain's segments into ByteBuffer views of guest RAM, or into an iovec
 * array of host addresses when the memory is mmap'd, so file I/O moves data straight between the
 * file and guest memory. A view must lie in one memory chunk (a ByteBuffer is int-indexed), so
 * segments are cut at chunk edges as well.
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
        forEachPiece(mem, segments, skip, len, (addr, piece) -> out.add(mem.slice(GuestAddress.of(addr), piece)));
        return out;
    }

    /**
     * Fills {@code iov} (cleared first) with the host addresses of bytes {@code [skip, skip+len)} of
     * the concatenation of {@code segments}, in order, cut at the same chunk edges as {@link #views}
     * (a region's mapping is contiguous only within the region). Returns {@code iov}.
     */
    static VectoredIo iovecs(MmapGuestMemory mem, List<GuestSegment> segments, long skip, long len, VectoredIo iov) {
        iov.clear();
        forEachPiece(mem, segments, skip, len, (addr, piece) -> iov.add(mem.hostAddress(GuestAddress.of(addr)), piece));
        return iov;
    }

    private interface PieceSink {
        void piece(long guestAddr, int len);
    }

    private static void forEachPiece(GuestMemory mem, List<GuestSegment> segments, long skip, long len, PieceSink sink) {
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
                sink.piece(addr, piece);
                addr += piece;
                n -= piece;
            }
        }
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
