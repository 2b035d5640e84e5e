package dev.flotilla.vm.console;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * One console's output on disk, bounded: appends to {@code <name>} until it holds
 * {@link ConsoleFileLimits#fileBytes()}, then renames it to {@code <name>.1} (replacing the previous one)
 * and starts an empty {@code <name>}. Together the two never exceed {@link ConsoleFileLimits#maxBytes()}
 * and always hold at least the last half of it. A file that is not a regular file (/dev/null, a FIFO the
 * user chose) is appended to and never rotated.
 *
 * <p>Threading: confined to one thread (the {@link ConsoleFileWriter}'s); blocking I/O.
 */
final class RotatingConsoleFile implements Closeable {

    private final Path file;
    private final Path rotated;
    private final long fileBytes;
    private FileChannel channel;
    private long size;

    /** Opens {@code file} for append (creating it); an existing file keeps its content and counts toward the cap. */
    RotatingConsoleFile(Path file, ConsoleFileLimits limits) throws IOException {
        this.file = file;
        this.rotated = file.resolveSibling(file.getFileName() + ".1");
        boolean regular = !Files.exists(file, LinkOption.NOFOLLOW_LINKS) || Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS);
        this.fileBytes = regular ? limits.fileBytes() : Long.MAX_VALUE;
        this.channel = open();
        this.size = regular ? channel.size() : 0;
    }

    Path path() {
        return file;
    }

    /** Writes all of {@code data}, rotating as often as needed; on failure the cap still holds. */
    void append(ByteBuffer data) throws IOException {
        while (data.hasRemaining()) {
            if (size >= fileBytes) rotate();
            int n = (int) Math.min(data.remaining(), fileBytes - size);
            ByteBuffer piece = data.slice(data.position(), n);
            try {
                while (piece.hasRemaining()) size += channel.write(piece);
            } catch (IOException e) {
                data.position(data.limit());   // what did not fit is lost; the caller counts it
                throw e;
            }
            data.position(data.position() + n);
        }
    }

    private void rotate() throws IOException {
        channel.close();
        try {
            Files.move(file, rotated, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            channel = open();
            size = 0;
        } catch (IOException e) {
            // the cap matters more than the old half: start the file afresh even though it could not be kept
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            size = 0;
            throw new IOException("rotating console file " + file + " to " + rotated + " failed (" + e
                    + "); its older output was dropped to keep the size limit", e);
        }
    }

    private FileChannel open() throws IOException {
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
