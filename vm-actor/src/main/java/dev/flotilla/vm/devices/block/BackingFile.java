package dev.flotilla.vm.devices.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host file behind a virtio-blk device: opened read-write or read-only, its capacity fixed in
 * 512-byte sectors when it is opened (a swap opens a new one). All I/O is positional, so the
 * channel has no cursor state. Used by the device worker only, apart from open and close.
 */
public final class BackingFile implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BackingFile.class);

    public static final int SECTOR_SIZE = 512;

    private final Path path;
    private final FileChannel channel;
    private final boolean readOnly;
    private final long sizeBytes;

    BackingFile(Path path, FileChannel channel, boolean readOnly) throws IOException {
        this.path = Objects.requireNonNull(path, "path");
        this.channel = Objects.requireNonNull(channel, "channel");
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
        FileChannel ch;
        try {
            ch = readOnly ? FileChannel.open(path, StandardOpenOption.READ)
                    : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot open backing file " + path + ": it does not exist; create it or fix path_on_host", e);
        } catch (AccessDeniedException e) {
            throw new IOException("cannot open backing file " + path + (readOnly ? " for reading" : " for reading and writing")
                    + ": permission denied; fix its mode/owner" + (readOnly ? "" : " or set is_read_only"), e);
        } catch (IOException e) {
            throw new IOException("cannot open backing file " + path + ": " + e.getMessage(), e);
        }
        try {
            return new BackingFile(path, ch, readOnly);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw new IOException("cannot size backing file " + path + ": " + e.getMessage(), e);
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

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            log.atWarn().addKeyValue("path", path).log("closing backing file {} failed: {}", path, e.toString());
        }
    }

    @Override
    public String toString() {
        return path + (readOnly ? " (ro, " : " (rw, ") + capacitySectors() + " sectors)";
    }
}
