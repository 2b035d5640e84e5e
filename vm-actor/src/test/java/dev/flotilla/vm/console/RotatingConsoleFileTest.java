package dev.flotilla.vm.console;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The size cap and rotation of one console's files, on a real directory. */
class RotatingConsoleFileTest {

    @TempDir
    Path dir;

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(US_ASCII));
    }

    /** Output numbered so that "the last bytes" can be checked exactly: 00000,00001,... */
    private static String numbered(int from, int count) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < from + count; i++) b.append(String.format("%05d,", i));
        return b.toString();
    }

    private String onDisk(Path log) throws Exception {
        Path old = log.resolveSibling(log.getFileName() + ".1");
        return (Files.exists(old) ? Files.readString(old, US_ASCII) : "") + Files.readString(log, US_ASCII);
    }

    @Test
    void theCapIsHonouredAndTheLastBytesAreKeptAcrossRotations() throws Exception {
        Path log = dir.resolve("vm-1.log");
        ConsoleFileLimits limits = new ConsoleFileLimits(1000, 0);
        StringBuilder all = new StringBuilder();
        try (var f = new RotatingConsoleFile(log, limits)) {
            for (int i = 0; i < 400; i += 7) {   // 7 records of 6 bytes a write: writes straddle the rotations
                String chunk = numbered(i, 7);
                f.append(ascii(chunk));
                all.append(chunk);
                long size = Files.size(log) + (Files.exists(dir.resolve("vm-1.log.1")) ? Files.size(dir.resolve("vm-1.log.1")) : 0);
                assertTrue(Files.size(log) <= 500, "one file holds at most half the cap: " + Files.size(log));
                assertTrue(size <= 1000, "both files together within the cap: " + size);
                String kept = onDisk(log);
                assertTrue(all.toString().endsWith(kept), "what is on disk is the tail of the output, in order");
                assertTrue(kept.length() >= Math.min(all.length(), 500), "at least the last half of the cap is kept: "
                        + kept.length());
            }
        }
        assertTrue(all.length() > 2000, "the test wrote enough to rotate several times");
        assertTrue(Files.exists(dir.resolve("vm-1.log.1")));
        assertFalse(Files.exists(dir.resolve("vm-1.log.2")), "only one rotated file");
    }

    @Test
    void oneWriteLargerThanTheCapKeepsItsLastBytes() throws Exception {
        Path log = dir.resolve("big.log");
        String huge = numbered(0, 1000);   // 6000 bytes through a 100-byte cap in one append
        try (var f = new RotatingConsoleFile(log, new ConsoleFileLimits(100, 0))) {
            f.append(ascii(huge));
        }
        String kept = onDisk(log);
        assertEquals(100, kept.length());
        assertEquals(huge.substring(huge.length() - 100), kept);
    }

    @Test
    void anExistingFileCountsTowardTheCapAfterARestart() throws Exception {
        Path log = dir.resolve("again.log");
        Files.writeString(log, "x".repeat(480), US_ASCII);   // left by the previous run of the daemon
        try (var f = new RotatingConsoleFile(log, new ConsoleFileLimits(1000, 0))) {
            f.append(ascii("y".repeat(40)));
        }
        assertEquals("x".repeat(480) + "y".repeat(20), Files.readString(dir.resolve("again.log.1"), US_ASCII));
        assertEquals("y".repeat(20), Files.readString(log, US_ASCII));
    }

    @Test
    void withoutACapNothingRotates() throws Exception {
        Path log = dir.resolve("user.log");
        try (var f = new RotatingConsoleFile(log, ConsoleFileLimits.UNLIMITED)) {
            f.append(ascii("z".repeat(100_000)));
        }
        assertEquals(100_000, Files.size(log));
        assertFalse(Files.exists(dir.resolve("user.log.1")));
    }
}
