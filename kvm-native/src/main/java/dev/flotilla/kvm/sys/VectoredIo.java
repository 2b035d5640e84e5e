package dev.flotilla.kvm.sys;

import com.kenai.jffi.MemoryIO;

/**
 * A reusable, malloc'd array of {@code struct iovec} and positional scatter/gather file I/O over it
 * ({@code preadv}/{@code pwritev}): fill it with host buffers ({@link #add}), then move all of them
 * with as few system calls as the kernel allows ({@link #readAt}, {@link #writeAt}). The array is
 * kept between uses, so a device serving requests in a loop allocates nothing per request; it grows
 * (doubling) only when a fill needs more entries than it has.
 *
 * <p>A transfer <b>consumes</b> the array (short transfers are resumed by advancing the entries in
 * place): {@link #clear()} before the next fill.
 *
 * <p>Not thread-safe: one owner (a device worker) fills and transfers. {@link #close()} frees the
 * memory; the owner must not use it afterwards.
 */
public final class VectoredIo implements AutoCloseable {

    /** sizeof(struct iovec) on x86_64: {@code void *iov_base; size_t iov_len;}. */
    public static final int IOVEC_SIZE = 16;

    private static final MemoryIO IO = MemoryIO.getInstance();

    private long address;
    private int capacity;
    private int count;
    private long totalBytes;
    /** First entry not yet fully transferred. */
    private int first;

    /** An empty array with room for {@code initialCapacity} entries (more are allocated on demand). */
    public VectoredIo(int initialCapacity) {
        if (initialCapacity <= 0) throw new IllegalArgumentException("capacity must be positive: " + initialCapacity);
        this.address = allocate(initialCapacity);
        this.capacity = initialCapacity;
    }

    private static long allocate(int entries) {
        long a = IO.allocateMemory((long) entries * IOVEC_SIZE, false);
        if (a == 0) throw new OutOfMemoryError("malloc of " + entries + " iovecs failed");
        return a;
    }

    /** Empties the array for the next fill; keeps its memory. */
    public void clear() {
        ensureOpen();
        count = 0;
        first = 0;
        totalBytes = 0;
    }

    /**
     * Appends the host buffer {@code [hostAddress, hostAddress+len)}; empty buffers are skipped. The
     * caller vouches that the buffer is mapped, writable for a read, and stays so during the transfer.
     */
    public void add(long hostAddress, long len) {
        ensureOpen();
        if (len < 0) throw new IllegalArgumentException("negative iovec length " + len);
        if (len == 0) return;
        if (count == capacity) grow();
        long e = address + (long) count * IOVEC_SIZE;
        IO.putLong(e, hostAddress);
        IO.putLong(e + 8, len);
        count++;
        totalBytes += len;
    }

    private void grow() {
        int bigger = Math.multiplyExact(capacity, 2);
        long a = allocate(bigger);
        IO.copyMemory(address, a, (long) count * IOVEC_SIZE);
        IO.freeMemory(address);
        address = a;
        capacity = bigger;
    }

    /** Entries filled since the last {@link #clear()}. */
    public int count() {
        return count;
    }

    /** Bytes the filled entries cover. */
    public long totalBytes() {
        return totalBytes;
    }

    /** Entries the array can hold before it grows. */
    public int capacity() {
        return capacity;
    }

    /**
     * Fills the buffers in order from {@code fd} at {@code offset}: preadv in windows of at most
     * {@link LibC#IOV_MAX} entries, retried on EINTR and resumed after short reads.
     *
     * @return bytes read: {@link #totalBytes()}, or fewer only if the file ended first
     * @throws NativeException naming preadv, the file offset it failed at and the errno
     */
    public long readAt(int fd, long offset) {
        return transfer(false, fd, offset);
    }

    /**
     * Writes the buffers in order to {@code fd} at {@code offset}: pwritev in windows of at most
     * {@link LibC#IOV_MAX} entries, retried on EINTR and resumed after short writes.
     *
     * @return {@link #totalBytes()}
     * @throws NativeException naming pwritev, the file offset it failed at and the errno (a call that
     *         writes nothing without an error is reported with errno 0)
     */
    public long writeAt(int fd, long offset) {
        return transfer(true, fd, offset);
    }

    private long transfer(boolean write, int fd, long offset) {
        ensureOpen();
        LibC libc = Native.libc();
        long done = 0;
        while (first < count) {
            int n = Math.min(count - first, LibC.IOV_MAX);
            long iov = address + (long) first * IOVEC_SIZE;
            long r = write ? libc.pwritev(fd, iov, n, offset + done) : libc.preadv(fd, iov, n, offset + done);
            if (r < 0) {
                int errno = Native.errno();
                if (errno == Errno.EINTR) continue;
                throw NativeException.of((write ? "pwritev" : "preadv") + " at file offset " + (offset + done), errno);
            }
            if (r == 0) {
                if (!write) return done;   // end of file
                throw new NativeException("pwritev at file offset " + (offset + done), 0,
                        "the file took none of " + (totalBytes - done) + " bytes");
            }
            done += r;
            advance(r);
        }
        return done;
    }

    /** Drops the first {@code bytes} not yet transferred: whole entries are skipped, a partial one is shortened in place. */
    void advance(long bytes) {
        while (bytes > 0 && first < count) {
            long e = address + (long) first * IOVEC_SIZE;
            long len = IO.getLong(e + 8);
            if (bytes >= len) {
                bytes -= len;
                first++;
            } else {
                IO.putLong(e, IO.getLong(e) + bytes);
                IO.putLong(e + 8, len - bytes);
                bytes = 0;
            }
        }
    }

    /** {@code iov_base} of entry {@code i} as it now stands (a transfer advances the entries). */
    public long base(int i) {
        return IO.getLong(entry(i));
    }

    /** {@code iov_len} of entry {@code i} as it now stands. */
    public long length(int i) {
        return IO.getLong(entry(i) + 8);
    }

    private long entry(int i) {
        ensureOpen();
        if (i < 0 || i >= count) throw new IndexOutOfBoundsException("iovec " + i + " of " + count);
        return address + (long) i * IOVEC_SIZE;
    }

    /** Index of the first entry not yet transferred. For tests. */
    int firstPending() {
        return first;
    }

    private void ensureOpen() {
        if (address == 0) throw new IllegalStateException("iovec array already freed");
    }

    /** Frees the array; idempotent. */
    @Override
    public void close() {
        if (address != 0) {
            IO.freeMemory(address);
            address = 0;
        }
    }
}
