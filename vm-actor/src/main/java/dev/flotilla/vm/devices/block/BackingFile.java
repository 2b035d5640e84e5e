package dev.flotilla.vm.devices.block;

import dev.flotilla.kvm.sys.Errno;
import dev.flotilla.kvm.sys.LibC;
import dev.flotilla.kvm.sys.Native;
import dev.flotilla.kvm.sys.NativeException;
import dev.flotilla.kvm.sys.VectoredIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host file behind a virtio-blk device: opened read-write or read-only, its capacity fixed in
 * 512-byte sectors when it is opened (a swap opens a new one). All I/O is positional, so neither
 * handle has cursor state. Used by the device worker only, apart from open and close.
 *
 * <p>Two handles on the same open file: a raw fd for vectored I/O straight into guest RAM at host
 * addresses ({@link #read(long, VectoredIo)}: one preadv per request), and a {@code FileChannel}
 * for ByteBuffer I/O when the guest memory has no host addresses (heap memory in tests) and for
 * fsync. The channel is opened through {@code /proc/self/fd/<fd>}, so both are the same inode even
 * if the path is renamed or replaced in between.
 */
public final class BackingFile implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BackingFile.class);

    public static final int SECTOR_SIZE = 512;

    private final Path path;
    private final FileChannel channel;
    /** The raw fd (O_CLOEXEC), or -1 when built from a channel alone. Closed with the channel. */
    private final int fd;
    private final boolean readOnly;
    private final long sizeBytes;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** A file with no raw fd: every read and write goes through {@code channel}. */
    BackingFile(Path path, FileChannel channel, boolean readOnly) throws IOException {
        this(path, channel, -1, readOnly);
    }

    /** Owns {@code fd} (or -1 for none) and {@code channel} from now on, which must be the same file. */
    BackingFile(Path path, FileChannel channel, int fd, boolean readOnly) throws IOException {
        this.path = Objects.requireNonNull(path, "path");
        this.channel = Objects.requireNonNull(channel, "channel");
        this.fd = fd;
        this.readOnly = readOnly;
        this.sizeBytes = channel.size();
        if (sizeBytes % SECTOR_SIZE != 0) {
            log.atWarn().addKeyValue("path", path).addKeyValue("size", sizeBytes)
                    .log("backing file {} is {} bytes, not a multiple of {}: the guest sees {} sectors and not the last {} bytes",
                            path, sizeBytes, SECTOR_SIZE, sizeBytes / SECTOR_SIZE, sizeBytes % SECTOR_SIZE);
        }
    }

    /**
     * Opens {@code path} for a drive.
     *
     * @throws IOException naming the file and what to check, if it cannot be opened or sized
     */
    public static BackingFile open(Path path, boolean readOnly) throws IOException {
        int fd = openRaw(path, readOnly);
        Path self = Path.of("/proc/self/fd/" + fd);
        FileChannel ch;
        try {
            ch = readOnly ? FileChannel.open(self, StandardOpenOption.READ)
                    : FileChannel.open(self, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException | RuntimeException e) {
            Native.closeQuietly(fd);
            throw new IOException("cannot open backing file " + path + ": reopening it as " + self + " failed (" + e
                    + "); the VMM needs /proc mounted", e);
        }
        try {
            return new BackingFile(path, ch, fd, readOnly);
        } catch (IOException | RuntimeException e) {
            ch.close();
            Native.closeQuietly(fd);
            throw new IOException("cannot size backing file " + path + ": " + e.getMessage(), e);
        }
    }

    /** open(2) with O_CLOEXEC; errors as the user can act on them. */
    private static int openRaw(Path path, boolean readOnly) throws IOException {
        int fd = Native.libc().open(path.toString(), (readOnly ? LibC.O_RDONLY : LibC.O_RDWR) | LibC.O_CLOEXEC);
        if (fd >= 0) return fd;
        int errno = Native.errno();
        switch (errno) {
            case Errno.ENOENT:
                throw new IOException("cannot open backing file " + path + ": it does not exist; create it or fix path_on_host");
            case Errno.EACCES:
            case Errno.EPERM:
                throw new IOException("cannot open backing file " + path + (readOnly ? " for reading" : " for reading and writing")
                        + ": permission denied; fix its mode/owner" + (readOnly ? "" : " or set is_read_only"));
            case Errno.EROFS:
                throw new IOException("cannot open backing file " + path + " for writing: it is on a read-only file system; "
                        + "set is_read_only or move it");
            case Errno.EISDIR:
                throw new IOException("cannot open backing file " + path + ": it is a directory; give the path of a disk image file");
            default:
                throw new IOException("cannot open backing file " + path + ": " + Errno.describe(errno));
        }
    }

    public Path path() {
        return path;
    }

    public boolean readOnly() {
        return readOnly;
    }

    /** The file's size when opened. */
    public long sizeBytes() {
        return sizeBytes;
    }

    /** Whole 512-byte sectors the guest sees (a trailing partial sector is not exposed). */
    public long capacitySectors() {
        return sizeBytes / SECTOR_SIZE;
    }

    /** True if the file has a raw fd, so {@link #read(long, VectoredIo)} and {@link #write(long, VectoredIo)} work. */
    boolean hasRawFd() {
        return fd >= 0;
    }

    /**
     * Fills the host buffers of {@code iov} in order from the file at {@code offset}: one preadv for
     * a whole request (resumed after EINTR or a short read). Consumes {@code iov}.
     */
    void read(long offset, VectoredIo iov) throws BackingFileException {
        int rawFd = rawFd("read", offset);
        long want = iov.totalBytes();
        long got;
        try {
            got = iov.readAt(rawFd, offset);
        } catch (NativeException e) {
            throw wrap("read", e);
        }
        if (got < want) {
            throw new BackingFileException(IoErrorKind.SHORT_READ, "read of " + path + " at " + (offset + got)
                    + ": end of file (was it truncated while in use?)", null);
        }
    }

    /** Writes the host buffers of {@code iov} in order to the file at {@code offset}: one pwritev for a whole request. Consumes {@code iov}. */
    void write(long offset, VectoredIo iov) throws BackingFileException {
        int rawFd = rawFd("write", offset);
        try {
            iov.writeAt(rawFd, offset);
        } catch (NativeException e) {
            throw wrap("write", e);
        }
    }

    private int rawFd(String op, long offset) throws BackingFileException {
        if (fd < 0) throw new IllegalStateException(path + " was opened without a raw fd: use the ByteBuffer " + op);
        // A closed fd number may already belong to another file: never hand it to the kernel.
        if (closed.get()) {
            throw new BackingFileException(IoErrorKind.CLOSED, op + " of " + path + " at " + offset + ": the file is closed", null);
        }
        return fd;
    }

    private BackingFileException wrap(String op, NativeException e) {
        return new BackingFileException(IoErrorKind.ofErrno(e.errno()), op + " of " + path + ": " + e.getMessage(), e);
    }

    /** Fills {@code dsts} in order from the file at {@code offset}. */
    void read(long offset, List<ByteBuffer> dsts) throws BackingFileException {
        long pos = offset;
        try {
            for (ByteBuffer b : dsts) {
                while (b.hasRemaining()) {
                    int n = channel.read(b, pos);
                    if (n < 0) {
                        throw new BackingFileException(IoErrorKind.SHORT_READ, "read of " + path + " at " + pos
                                + ": end of file (was it truncated while in use?)", null);
                    }
                    pos += n;
                }
            }
        } catch (BackingFileException e) {
            throw e;
        } catch (IOException e) {
            throw wrap("read", pos, e);
        }
    }

    /** Writes {@code srcs} in order to the file at {@code offset}. */
    void write(long offset, List<ByteBuffer> srcs) throws BackingFileException {
        long pos = offset;
        try {
            for (ByteBuffer b : srcs) {
                while (b.hasRemaining()) {
                    pos += channel.write(b, pos);
                }
            }
        } catch (IOException e) {
            throw wrap("write", pos, e);
        }
    }

    /** fsync: data and metadata reach the disk. */
    void flush() throws BackingFileException {
        try {
            channel.force(true);
        } catch (IOException e) {
            throw wrap("fsync", -1, e);
        }
    }

    private BackingFileException wrap(String op, long pos, IOException e) {
        return new BackingFileException(IoErrorKind.of(e), op + " of " + path + (pos >= 0 ? " at " + pos : "") + ": " + e, e);
    }

    /** Closes both handles; idempotent (the raw fd is closed exactly once). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        try {
            channel.close();
        } catch (IOException e) {
            log.atWarn().addKeyValue("path", path).log("closing backing file {} failed: {}", path, e.toString());
        }
        Native.closeQuietly(fd);
    }

    @Override
    public String toString() {
        return path + (readOnly ? " (ro, " : " (rw, ") + capacitySectors() + " sectors)";
    }
}
