package dev.flotilla.kvm.hostfs;

import com.kenai.jffi.MemoryIO;
import dev.flotilla.kvm.sys.Errno;
import dev.flotilla.kvm.sys.Native;
import dev.flotilla.kvm.sys.NativeException;
import dev.flotilla.kvm.sys.NativeStruct;
import dev.flotilla.kvm.sys.StatLayout.FileStat;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One host file opened by {@link HostFiles#open}: its fd (O_CLOEXEC, O_NONBLOCK), the type and size it had
 * when opened, and positional I/O on that fd. Everything after the open goes through the fd, never the name
 * again, so a file renamed or replaced meanwhile is not what gets read or written. Closing is idempotent;
 * I/O after close fails instead of reaching a recycled fd number.
 */
public final class HostFile implements AutoCloseable {

    private static final MemoryIO IO = MemoryIO.getInstance();
    /** {@code BLKGETSIZE64}: {@code _IOR(0x12, 114, size_t)}. */
    private static final long BLKGETSIZE64 = 0x80081272L;

    private final Path path;
    private final FileUse use;
    private final int fd;
    private final FileStat stat;
    private final long size;
    private final AtomicBoolean closed = new AtomicBoolean();

    HostFile(Path path, FileUse use, int fd, FileStat stat) throws HostFileException {
        this.path = path;
        this.use = use;
        this.fd = fd;
        this.stat = stat;
        this.size = stat.isBlockDevice() ? blockDeviceSize(fd, path) : stat.size();
    }

    private static long blockDeviceSize(int fd, Path path) throws HostFileException {
        try (NativeStruct out = new NativeStruct(8)) {
            if (Native.libc().ioctl(fd, BLKGETSIZE64, out.address()) != 0) {
                int e = Native.errno();
                throw new HostFileException("block device " + path + ": cannot read its size (BLKGETSIZE64: "
                        + Errno.describe(e) + ")", e);
            }
            return out.buffer().getLong(0);
        }
    }

    public Path path() {
        return path;
    }

    public FileUse use() {
        return use;
    }

    /** The fd, for calls that take one (preadv). Valid until {@link #close()}. */
    public int fd() {
        if (closed.get()) throw new IllegalStateException(path + " is closed");
        return fd;
    }

    /** File type and owner when opened. */
    public FileStat stat() {
        return stat;
    }

    /** Size in bytes when opened (a block device's from BLKGETSIZE64). */
    public long size() {
        return size;
    }

    public boolean isOpen() {
        return !closed.get();
    }

    /**
     * pread into {@code dst}'s remaining bytes at {@code pos}; advances {@code dst}.
     *
     * @return bytes read, or -1 at end of file
     */
    public int readAt(ByteBuffer dst, long pos) throws HostFileException {
        return transfer(dst, pos, false);
    }

    /** pwrite of {@code src}'s remaining bytes at {@code pos} (ignored for an O_APPEND file); advances {@code src}. */
    public int writeAt(ByteBuffer src, long pos) throws HostFileException {
        return transfer(src, pos, true);
    }

    /** Writes all of {@code bytes} (a metrics line: one write, so it is not interleaved on a FIFO). */
    public void append(byte[] bytes) throws HostFileException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            try (NativeStruct buf = new NativeStruct(Math.max(1, b.remaining()))) {
                buf.buffer().put(0, bytes, b.position(), b.remaining());
                long r = Native.libc().write(checkedFd("write"), buf.address(), b.remaining());
                if (r < 0) {
                    int e = Native.errno();
                    if (e == Errno.EINTR) continue;
                    throw new HostFileException(use.what() + " " + path + ": write failed: " + Errno.describe(e)
                            + (e == Errno.EAGAIN ? " (a FIFO whose reader is not keeping up; the line was dropped)" : ""), e);
                }
                b.position(b.position() + (int) r);
            }
        }
    }

    /** fsync: data and metadata reach the disk. */
    public void sync() throws HostFileException {
        if (Native.libc().fsync(checkedFd("fsync")) != 0) {
            int e = Native.errno();
            throw new HostFileException(use.what() + " " + path + ": fsync failed: " + Errno.describe(e), e);
        }
    }

    private int transfer(ByteBuffer b, long pos, boolean write) throws HostFileException {
        int n = b.remaining();
        if (n == 0) return 0;
        int fd = checkedFd(write ? "write" : "read");
        NativeStruct bounce = b.isDirect() ? null : new NativeStruct(n);
        try {
            long addr = bounce == null ? IO.getDirectBufferAddress(b) + b.position() : bounce.address();
            if (bounce != null && write) bounce.buffer().put(0, b, b.position(), n);
            long r;
            do {
                r = write ? Native.libc().pwrite(fd, addr, n, pos) : Native.libc().pread(fd, addr, n, pos);
            } while (r < 0 && Native.errno() == Errno.EINTR);
            if (r < 0) {
                int e = Native.errno();
                throw new HostFileException(use.what() + " " + path + ": " + (write ? "write" : "read") + " at " + pos
                        + " failed: " + Errno.describe(e), e, NativeException.of(write ? "pwrite" : "pread", e));
            }
            if (r == 0 && !write) return -1;
            if (bounce != null && !write) b.put(b.position(), bounce.buffer(), 0, (int) r);
            b.position(b.position() + (int) r);
            return (int) r;
        } finally {
            if (bounce != null) bounce.close();
        }
    }

    private int checkedFd(String op) throws HostFileException {
        // A closed fd number may already belong to another file: never hand it to the kernel.
        if (closed.get()) throw new HostFileException(op + " of " + path + ": the file is closed", Errno.EBADF);
        return fd;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) Native.closeQuietly(fd);
    }

    @Override
    public String toString() {
        return use.what() + " " + path + " (" + stat.typeName() + ", " + size + " bytes)";
    }
}
