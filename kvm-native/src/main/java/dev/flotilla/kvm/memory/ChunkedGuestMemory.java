package dev.flotilla.kvm.memory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Guest memory over a sorted list of ByteBuffer chunks (each at most {@link #MAX_CHUNK} bytes, since a
 * ByteBuffer is int-indexed). Subclasses supply the buffers: heap arrays for tests, direct buffers
 * over mmap'd memory for real VMs. Lookup is a binary search over the chunks; accesses that cross a
 * chunk edge are split. Absolute get/put on duplicated buffers keeps it free of shared cursor state.
 */
public abstract class ChunkedGuestMemory implements GuestMemory {

    /** 1 GiB: a power of two that keeps every chunk int-indexable. */
    public static final long MAX_CHUNK = 1L << 30;

    private final List<Region> regions;
    private final long[] chunkStart;
    private final ByteBuffer[] chunks;

    protected ChunkedGuestMemory(List<Region> regions, List<ByteBuffer> regionChunks) {
        this.regions = List.copyOf(regions);
        List<Long> starts = new ArrayList<>();
        int i = 0;
        for (Region r : this.regions) {
            for (long off = 0; off < r.size(); off += MAX_CHUNK) {
                starts.add(r.start().value() + off);
                i++;
            }
        }
        if (i != regionChunks.size()) {
            throw new IllegalArgumentException("expected " + i + " chunks, got " + regionChunks.size());
        }
        chunkStart = starts.stream().mapToLong(Long::longValue).toArray();
        chunks = regionChunks.stream()
                .map(b -> b.duplicate().order(ByteOrder.LITTLE_ENDIAN))
                .toArray(ByteBuffer[]::new);
        for (int k = 1; k < chunkStart.length; k++) {
            if (Long.compareUnsigned(chunkStart[k], chunkStart[k - 1] + chunks[k - 1].capacity()) < 0) {
                throw new IllegalArgumentException("regions overlap or are unsorted");
            }
        }
    }

    /** Splits a region into chunk sizes, in order, as subclasses must allocate them. */
    protected static List<Integer> chunkSizes(Region r) {
        List<Integer> sizes = new ArrayList<>();
        for (long off = 0; off < r.size(); off += MAX_CHUNK) {
            sizes.add((int) Math.min(MAX_CHUNK, r.size() - off));
        }
        return sizes;
    }

    @Override
    public List<Region> regions() {
        return regions;
    }

    /** Index of the chunk holding addr, or -1. */
    private int chunkOf(long addr) {
        int lo = 0, hi = chunkStart.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(chunkStart[mid], addr) <= 0) lo = mid + 1;
            else hi = mid - 1;
        }
        if (hi < 0) return -1;
        long off = addr - chunkStart[hi];
        return Long.compareUnsigned(off, chunks[hi].capacity()) < 0 ? hi : -1;
    }

    @Override
    public boolean isValid(GuestAddress addr, long len) {
        if (len < 0) return false;
        long a = addr.value();
        if (len == 0) return chunkOf(a) >= 0;
        if (Long.compareUnsigned(a + len - 1, a) < 0) return false;
        while (len > 0) {
            int c = chunkOf(a);
            if (c < 0) return false;
            long avail = chunks[c].capacity() - (a - chunkStart[c]);
            long n = Math.min(avail, len);
            a += n;
            len -= n;
        }
        return true;
    }

    private GuestMemoryException outside(long addr, long len) {
        return new GuestMemoryException("guest access [0x%x, +%d) is outside guest RAM".formatted(addr, len));
    }

    /** Chunk and offset for an access that must lie within one chunk (fast path for scalars). */
    private int checkedChunk(long addr, int len) {
        int c = chunkOf(addr);
        if (c < 0 || addr - chunkStart[c] + len > chunks[c].capacity()) return -1;
        return c;
    }

    @Override
    public void read(GuestAddress addr, byte[] dst, int off, int len) {
        copy(addr, dst, off, len, false);
    }

    @Override
    public void write(GuestAddress addr, byte[] src, int off, int len) {
        copy(addr, src, off, len, true);
    }

    /** Copies between guest RAM and {@code buf}, chunk by chunk: the access may span chunks. */
    private void copy(GuestAddress addr, byte[] buf, int off, int len, boolean toGuest) {
        java.util.Objects.checkFromIndexSize(off, len, buf.length);
        if (!isValid(addr, len)) throw outside(addr.value(), len);
        long a = addr.value();
        while (len > 0) {
            int c = chunkOf(a);
            int pos = (int) (a - chunkStart[c]);
            int n = Math.min(len, chunks[c].capacity() - pos);
            if (toGuest) {
                chunks[c].put(pos, buf, off, n);
            } else {
                chunks[c].get(pos, buf, off, n);
            }
            a += n; off += n; len -= n;
        }
    }

    private long readScalar(long a, int size) {
        int c = checkedChunk(a, size);
        if (c >= 0) {
            int pos = (int) (a - chunkStart[c]);
            ByteBuffer b = chunks[c];
            return switch (size) {
                case 1 -> b.get(pos) & 0xFFL;
                case 2 -> b.getShort(pos) & 0xFFFFL;
                case 4 -> b.getInt(pos) & 0xFFFF_FFFFL;
                default -> b.getLong(pos);
            };
        }
        byte[] tmp = new byte[size];
        read(new GuestAddress(a), tmp, 0, size);
        long v = 0;
        for (int i = size - 1; i >= 0; i--) v = (v << 8) | (tmp[i] & 0xFF);
        return v;
    }

    private void writeScalar(long a, int size, long v) {
        int c = checkedChunk(a, size);
        if (c >= 0) {
            int pos = (int) (a - chunkStart[c]);
            ByteBuffer b = chunks[c];
            switch (size) {
                case 1 -> b.put(pos, (byte) v);
                case 2 -> b.putShort(pos, (short) v);
                case 4 -> b.putInt(pos, (int) v);
                default -> b.putLong(pos, v);
            }
            return;
        }
        byte[] tmp = new byte[size];
        for (int i = 0; i < size; i++) tmp[i] = (byte) (v >>> (8 * i));
        write(new GuestAddress(a), tmp, 0, size);
    }

    @Override public int readU8(GuestAddress addr) { return (int) readScalar(addr.value(), 1); }
    @Override public int readU16(GuestAddress addr) { return (int) readScalar(addr.value(), 2); }
    @Override public int readU32AsInt(GuestAddress addr) { return (int) readScalar(addr.value(), 4); }
    @Override public long readU64(GuestAddress addr) { return readScalar(addr.value(), 8); }
    @Override public void writeU8(GuestAddress addr, int v) { writeScalar(addr.value(), 1, v); }
    @Override public void writeU16(GuestAddress addr, int v) { writeScalar(addr.value(), 2, v); }
    @Override public void writeU32(GuestAddress addr, int v) { writeScalar(addr.value(), 4, v); }
    @Override public void writeU64(GuestAddress addr, long v) { writeScalar(addr.value(), 8, v); }

    @Override
    public void zero(GuestAddress addr, long len) {
        if (!isValid(addr, len)) throw outside(addr.value(), len);
        byte[] zeros = new byte[(int) Math.min(len, 64 * 1024)];
        long a = addr.value();
        while (len > 0) {
            int n = (int) Math.min(len, zeros.length);
            write(new GuestAddress(a), zeros, 0, n);
            a += n;
            len -= n;
        }
    }

    @Override
    public ByteBuffer slice(GuestAddress addr, int len) {
        long a = addr.value();
        int c = len < 0 ? -1 : checkedChunk(a, len);
        if (c < 0) throw outside(a, len);
        int pos = (int) (a - chunkStart[c]);
        return chunks[c].slice(pos, len).order(ByteOrder.LITTLE_ENDIAN);
    }
}
