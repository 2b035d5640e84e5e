package dev.flotilla.ops.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Counts the resident pages of an address range of this process from {@code /proc/self/pagemap}
 * (one 64-bit entry per 4 KiB page; bit 63 = present in RAM). Used for guest RAM, whose mappings the
 * kernel may merge with neighbouring anonymous mappings, so smaps' per-mapping Rss cannot isolate it.
 */
public final class PageResidency {

    public static final long PAGE = 4096;
    private static final long PRESENT = 1L << 63;
    private static final int ENTRIES_PER_READ = 8192;

    private PageResidency() {}

    /** Resident bytes of [address, address + length) in this process. */
    public static long residentBytes(long address, long length) {
        if (address % PAGE != 0 || length % PAGE != 0) {
            throw new IllegalArgumentException("page-aligned range needed: 0x" + Long.toHexString(address) + "+" + length);
        }
        Path pagemap = Path.of("/proc/self/pagemap");
        long pages = length / PAGE;
        long resident = 0;
        ByteBuffer buf = ByteBuffer.allocate(ENTRIES_PER_READ * 8).order(ByteOrder.nativeOrder());
        try (FileChannel ch = FileChannel.open(pagemap, StandardOpenOption.READ)) {
            long done = 0;
            while (done < pages) {
                int n = (int) Math.min(ENTRIES_PER_READ, pages - done);
                buf.clear().limit(n * 8);
                long pos = (address / PAGE + done) * 8;
                while (buf.hasRemaining()) {
                    if (ch.read(buf, pos + buf.position()) < 0) break;
                }
                buf.flip();
                resident += countPresent(buf);
                done += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + pagemap + " (" + e.getMessage() + ")", e);
        }
        return resident * PAGE;
    }

    /** How many of the pagemap entries in {@code entries} have the present bit. */
    static long countPresent(ByteBuffer entries) {
        long n = 0;
        while (entries.remaining() >= 8) {
            if ((entries.getLong() & PRESENT) != 0) n++;
        }
        return n;
    }
}
