package dev.flotilla.kvm.memory;

import com.kenai.jffi.MemoryIO;
import dev.flotilla.kvm.sys.LibC;
import dev.flotilla.kvm.sys.Native;
import dev.flotilla.kvm.sys.NativeException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Guest RAM for KVM: one private mapping per region (MAP_NORESERVE, so untouched pages cost nothing),
 * anonymous for a new VM or copy-on-write from a snapshot's memory file, seen through direct
 * ByteBuffers of at most 1 GiB. The host addresses go to
 * KVM_SET_USER_MEMORY_REGION ({@code VmFd.registerMemory}).
 * <p>Lifetime: {@link #close()} unmaps at once (no reliance on GC) and is idempotent; any access after
 * it throws {@link IllegalStateException}. The check is one volatile read, so it cannot stop an
 * access that is already running on another thread: close only after the VM's vCPUs and device
 * workers have stopped, and do not keep {@link #slice} buffers past close (they point into the mapping).
 * <p>Thread-safety: as {@link GuestMemory}; accesses from any thread, no locks.
 */
public final class MmapGuestMemory extends ChunkedGuestMemory implements AutoCloseable {

    private static final long PAGE = 4096;

    private final long[] hostBase;   // per region, same order as regions()
    private volatile boolean closed;

    private MmapGuestMemory(List<Region> regions, List<ByteBuffer> chunks, long[] hostBase) {
        super(regions, chunks);
        this.hostBase = hostBase;
    }

    /**
     * Maps each region as fresh zeroed anonymous memory (sizes and starts page aligned; regions must
     * not overlap). On failure everything mapped so far is unmapped again.
     */
    public static MmapGuestMemory allocate(List<Region> regions) {
        return map(regions, -1, "anonymous");
    }

    /**
     * Maps the regions copy-on-write from {@code file}, laid out back to back in guest-address order
     * from file offset 0 (the snapshot memory-file layout). Pages are read lazily on first touch;
     * guest writes go to private copies and never reach the file. The file may be closed or replaced
     * afterwards; the mapping keeps its own reference.
     */
    public static MmapGuestMemory mapFile(List<Region> regions, Path file) {
        long need = regions.stream().mapToLong(Region::size).sum();
        long have;
        try {
            have = Files.size(file);
        } catch (IOException e) {
            throw new GuestMemoryException("cannot read memory file " + file + ": " + e.getMessage());
        }
        if (have < need) {
            throw new GuestMemoryException("memory file %s has %d bytes, the regions need %d".formatted(file, have, need));
        }
        int fd = Native.libc().open(file.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (fd < 0) throw NativeException.of("open(" + file + ")", Native.errno());
        try {
            return map(regions, fd, file.toString());
        } finally {
            Native.closeQuietly(fd);
        }
    }

    private static MmapGuestMemory map(List<Region> regions, int fd, String source) {
        List<Region> sorted = new ArrayList<>(regions);
        sorted.sort((a, b) -> a.start().compareTo(b.start()));
        for (Region r : sorted) {
            if (r.start().value() % PAGE != 0 || r.size() % PAGE != 0) {
                throw new IllegalArgumentException("region " + r.start() + "+0x" + Long.toHexString(r.size())
                        + " is not page aligned");
            }
        }
        LibC libc = Native.libc();
        long[] bases = new long[sorted.size()];
        List<ByteBuffer> chunks = new ArrayList<>();
        int flags = LibC.MAP_PRIVATE | LibC.MAP_NORESERVE | (fd < 0 ? LibC.MAP_ANONYMOUS : 0);
        long fileOffset = 0;
        try {
            for (int i = 0; i < sorted.size(); i++) {
                Region r = sorted.get(i);
                long addr = libc.mmap(null, r.size(), LibC.PROT_READ | LibC.PROT_WRITE, flags, fd, fd < 0 ? 0 : fileOffset);
                if (addr == LibC.MAP_FAILED) {
                    throw NativeException.of("mmap(guest RAM %s, %d MiB, %s)".formatted(r.start(), r.size() >> 20, source),
                            Native.errno());
                }
                bases[i] = addr;
                fileOffset += r.size();
                long off = 0;
                for (int size : chunkSizes(r)) {
                    chunks.add(MemoryIO.getInstance().newDirectByteBuffer(addr + off, size));
                    off += size;
                }
            }
            return new MmapGuestMemory(sorted, chunks, bases);
        } catch (RuntimeException e) {
            for (int i = 0; i < bases.length; i++) {
                if (bases[i] != 0) libc.munmap(bases[i], sorted.get(i).size());
            }
            throw e;
        }
    }

    /** One region [0, size). */
    public static MmapGuestMemory ofSize(long size) {
        return allocate(List.of(new Region(GuestAddress.of(0), size)));
    }

    /** The host address where {@code region} (one of {@link #regions()}) is mapped. */
    public long hostAddress(Region region) {
        ensureOpen();
        List<Region> rs = regions();
        for (int i = 0; i < rs.size(); i++) {
            if (rs.get(i).equals(region)) return hostBase[i];
        }
        throw new IllegalArgumentException("not a region of this memory: " + region);
    }

    /** The host address of guest-physical {@code addr}; throws if it is not RAM. */
    public long hostAddress(GuestAddress addr) {
        ensureOpen();
        List<Region> rs = regions();
        for (int i = 0; i < rs.size(); i++) {
            Region r = rs.get(i);
            if (r.contains(addr.value(), 1)) return hostBase[i] + (addr.value() - r.start().value());
        }
        throw new GuestMemoryException("guest address " + addr + " is not RAM");
    }

    /**
     * Gives the pages of [addr, addr+len) back to the host (MADV_DONTNEED): they read as zero
     * afterwards. The range must be page aligned and inside one region (the balloon's unit is a page).
     */
    public void discard(GuestAddress addr, long len) {
        ensureOpen();
        if (addr.value() % PAGE != 0 || len % PAGE != 0) {
            throw new IllegalArgumentException("discard needs page-aligned ranges: " + addr + "+0x" + Long.toHexString(len));
        }
        if (len == 0) return;
        List<Region> rs = regions();
        for (int i = 0; i < rs.size(); i++) {
            Region r = rs.get(i);
            if (r.contains(addr.value(), len)) {
                long host = hostBase[i] + (addr.value() - r.start().value());
                if (Native.libc().madvise(host, len, LibC.MADV_DONTNEED) != 0) {
                    throw NativeException.of("madvise(MADV_DONTNEED, " + addr + ")", Native.errno());
                }
                return;
            }
        }
        throw new GuestMemoryException("discard [" + addr + ", +0x" + Long.toHexString(len) + ") is not inside one region");
    }

    public boolean isClosed() {
        return closed;
    }

    /** Unmaps every region; idempotent. See the class note for the ordering this needs. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        List<Region> rs = regions();
        for (int i = 0; i < rs.size(); i++) Native.libc().munmap(hostBase[i], rs.get(i).size());
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("guest memory is closed");
    }

    // Every access checks the flag first: after munmap a direct buffer would fault the JVM.

    @Override public boolean isValid(GuestAddress addr, long len) { ensureOpen(); return super.isValid(addr, len); }
    @Override public void read(GuestAddress addr, byte[] dst, int off, int len) { ensureOpen(); super.read(addr, dst, off, len); }
    @Override public void write(GuestAddress addr, byte[] src, int off, int len) { ensureOpen(); super.write(addr, src, off, len); }
    @Override public int readU8(GuestAddress addr) { ensureOpen(); return super.readU8(addr); }
    @Override public int readU16(GuestAddress addr) { ensureOpen(); return super.readU16(addr); }
    @Override public int readU32AsInt(GuestAddress addr) { ensureOpen(); return super.readU32AsInt(addr); }
    @Override public long readU64(GuestAddress addr) { ensureOpen(); return super.readU64(addr); }
    @Override public void writeU8(GuestAddress addr, int v) { ensureOpen(); super.writeU8(addr, v); }
    @Override public void writeU16(GuestAddress addr, int v) { ensureOpen(); super.writeU16(addr, v); }
    @Override public void writeU32(GuestAddress addr, int v) { ensureOpen(); super.writeU32(addr, v); }
    @Override public void writeU64(GuestAddress addr, long v) { ensureOpen(); super.writeU64(addr, v); }
    @Override public void zero(GuestAddress addr, long len) { ensureOpen(); super.zero(addr, len); }
    @Override public ByteBuffer slice(GuestAddress addr, int len) { ensureOpen(); return super.slice(addr, len); }
}
