package dev.flotilla.ops.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/**
 * The backing file both peers read: a temp file of pseudo-random bytes (so nothing below is
 * compressed or deduplicated away), written and then read back once so that both peers' reads come
 * from the page cache. Deleted on close.
 */
final class BlockDisk implements AutoCloseable {

    final Path path;
    final int mib;

    private BlockDisk(Path path, int mib) {
        this.path = path;
        this.mib = mib;
    }

    static BlockDisk create(int mib) throws IOException {
        Path p = Files.createTempFile("flotilla-bench-disk-", ".img");
        try {
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
            Random random = new Random(42);
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                for (int i = 0; i < mib; i++) {
                    random.nextBytes(chunk.array());
                    chunk.clear();
                    while (chunk.hasRemaining()) ch.write(chunk);
                }
                ch.force(false);
            }
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                chunk.clear();
                while (ch.read(chunk) > 0) chunk.clear();
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(p);
            throw new IOException("cannot write the benchmark's backing file " + p + " (" + mib + " MiB; is the temp "
                    + "directory full? set -Djava.io.tmpdir): " + e.getMessage(), e);
        }
        return new BlockDisk(p, mib);
    }

    @Override
    public void close() throws IOException {
        Files.deleteIfExists(path);
    }
}
