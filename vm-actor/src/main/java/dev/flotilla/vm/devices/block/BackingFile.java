package dev.flotilla.vm.devices.block;

import dev.flotilla.kvm.hostfs.FileUse;
import dev.flotilla.kvm.hostfs.HostFile;
import dev.flotilla.kvm.hostfs.HostFileException;
import dev.flotilla.kvm.hostfs.HostFiles;
import dev.flotilla.kvm.sys.Native;
import dev.flotilla.kvm.sys.NativeException;
import dev.flotilla.kvm.sys.VectoredIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host file behind a virtio-blk device: opened read-write or read-only, its capacity fixed in
 * 512-byte sectors when it is opened (a swap opens a new one). All I/O is positional, so there is no
 * cursor state. Used by the device worker only, apart from open and close.
 *
 * <p>A drive is opened beneath its allowed root by {@link HostFiles} (no link followed unless the root allows
 * it, never out of the root, a FIFO or device refused) and used only through that fd from then on: vectored
 * I/O straight into guest RAM at host addresses ({@link #read(long, VectoredIo)}: one preadv per request),
 * ByteBuffer I/O when the guest memory has no host addresses (heap memory in tests), and fsync. Tests may
 * instead give a {@code FileChannel} (alone, or next to a raw fd) to inject faults.
 */
public final class BackingFile implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BackingFile.class);

    public static final int SECTOR_SIZE = 512;

    private final Path path;
    /** The opened drive; null when built from a channel. */
    private final HostFile file;
    /** Tests only: ByteBuffer I/O and fsync through this instead of {@link #file}. */
    private final FileChannel channel;
    /** The raw fd for vectored I/O, or -1 when built from a channel alone. Closed with the file. */
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
        this(path, null, Objects.requireNonNull(channel, "channel"), fd, readOnly, channel.size());
    }

    private BackingFile(Path path, HostFile file, FileChannel channel, int fd, boolean readOnly, long sizeBytes) {
        this.path = Objects.requireNonNull(path, "path");
        this.file = file;
        this.channel = channel;
        this.fd = fd;
        this.readOnly = readOnly;
        this.sizeBytes = sizeBytes;
        if (sizeBytes % SECTOR_SIZE != 0) {
            log.atWarn().addKeyValue("path", path).addKeyValue("size", sizeBytes)
                    .log("backing file {} is {} bytes, not a multiple of {}: the guest sees {} sectors and not the last {} bytes",
                            path, sizeBytes, SECTOR_SIZE, sizeBytes / SECTOR_SIZE, sizeBytes % SECTOR_SIZE);
        }
    }

    /**
     * Opens {@code path} for a drive beneath its root in {@code files}, checking that it is a regular file
     * (or a block device where the root allows them).
     *
     * @throws IOException naming the file and what to do, if it cannot be opened or is not a disk image
     */
    public static BackingFile open(HostFiles files, Path path, boolean readOnly) throws IOException {
        HostFile f;
        try {
            f = files.open(path, readOnly ? FileUse.DRIVE_READ_ONLY : FileUse.DRIVE_READ_WRITE);
        } catch (HostFileException e) {
            throw new IOException("cannot open backing file: " + e.getMessage(), e);
        }
        return new BackingFile(path, f, null, f.fd(), readOnly, f.size());
    }

    /** Opens {@code path} as the operator named it ({@link HostFiles#unconfined()}): tests and hand-started VMs. */
    public static BackingFile open(Path path, boolean readOnly) throws IOException {
        return open(HostFiles.unconfined(), path, readOnly);
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
                    int n = channel != null ? channel.read(b, pos) : file.readAt(b, pos);
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
                    pos += channel != null ? channel.write(b, pos) : file.writeAt(b, pos);
                }
            }
        } catch (IOException e) {
            throw wrap("write", pos, e);
        }
    }

    /** fsync: data and metadata reach the disk. */
    void flush() throws BackingFileException {
        try {
            if (channel != null) {
                channel.force(true);
            } else {
                file.sync();
            }
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
        if (file != null) {
            file.close();   // its fd is the raw fd
            return;
        }
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
