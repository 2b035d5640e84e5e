package dev.flotilla.kvm.memory;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Guest-physical memory: a set of non-overlapping RAM regions. Every access is bounds-checked and
 * throws {@link GuestMemoryException} when any byte of it falls outside RAM; accesses that span two
 * adjacent regions are split here so callers never see region boundaries. Multi-byte values are
 * little-endian (x86). Implementations are safe for concurrent use by vCPU and device threads
 * (no locks: plain memory, as the guest sees it).
 */
public interface GuestMemory {

    /** One contiguous RAM region. */
    record Region(GuestAddress start, long size) {
        public Region {
            if (size <= 0) throw new IllegalArgumentException("region size must be positive: " + size);
        }
        public long end() { return start.value() + size; }
        public boolean contains(long addr, long len) {
            return Long.compareUnsigned(addr, start.value()) >= 0
                    && len >= 0 && Long.compareUnsigned(addr - start.value(), size) <= 0
                    && Long.compareUnsigned(len, size - (addr - start.value())) <= 0;
        }
    }

    List<Region> regions();

    /** Total RAM bytes. */
    default long totalSize() {
        return regions().stream().mapToLong(Region::size).sum();
    }

    /** True if every byte of [addr, addr+len) is guest RAM. */
    boolean isValid(GuestAddress addr, long len);

    void read(GuestAddress addr, byte[] dst, int off, int len);

    void write(GuestAddress addr, byte[] src, int off, int len);

    default byte[] read(GuestAddress addr, int len) {
        byte[] b = new byte[len];
        read(addr, b, 0, len);
        return b;
    }

    default void write(GuestAddress addr, byte[] src) {
        write(addr, src, 0, src.length);
    }

    int readU8(GuestAddress addr);
    int readU16(GuestAddress addr);
    int readU32AsInt(GuestAddress addr);
    long readU64(GuestAddress addr);

    default long readU32(GuestAddress addr) {
        return Integer.toUnsignedLong(readU32AsInt(addr));
    }

    void writeU8(GuestAddress addr, int value);
    void writeU16(GuestAddress addr, int value);
    void writeU32(GuestAddress addr, int value);
    void writeU64(GuestAddress addr, long value);

    /** Fill [addr, addr+len) with zeros. */
    void zero(GuestAddress addr, long len);

    /**
     * A ByteBuffer view of [addr, addr+len) for zero-copy I/O (file reads straight into guest RAM).
     * The range must lie inside one region; position 0, limit len, little-endian.
     */
    ByteBuffer slice(GuestAddress addr, int len);
}
