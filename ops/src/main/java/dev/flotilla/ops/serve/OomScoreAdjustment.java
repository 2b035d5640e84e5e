package dev.flotilla.ops.serve;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Makes the daemon a late choice of the kernel's OOM killer. Every VM of a host lives in this one JVM, so
 * the daemon being killed takes them all: {@code /proc/self/oom_score_adj} (-1000..1000, added to the
 * badness score of the process) is lowered at {@code serve} start so that other processes on an
 * over-committed host go first. Lowering it needs root (CAP_SYS_RESOURCE); without it the kernel refuses
 * and the daemon runs on, saying so.
 */
final class OomScoreAdjustment {

    static final Path SELF = Path.of("/proc/self/oom_score_adj");

    /** What happened: the value now in effect (read back), or why it was not set. */
    record Outcome(boolean applied, int requested, Integer effective, String detail) {}

    private OomScoreAdjustment() {}

    /** Writes {@code value} to {@code file} (an oom_score_adj file) and reads it back. Never throws. */
    static Outcome apply(Path file, int value) {
        if (value < -1000 || value > 1000) {
            return new Outcome(false, value, null, "oom_score_adj " + value + " is outside -1000..1000");
        }
        try {
            Files.writeString(file, Integer.toString(value), StandardCharsets.US_ASCII, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            return new Outcome(false, value, read(file), "writing " + value + " to " + file + " failed (" + e
                    + "): lowering it needs root or CAP_SYS_RESOURCE; a host OOM may pick the daemon, and with it every VM");
        }
        Integer now = read(file);
        if (now == null || now != value) {
            return new Outcome(false, value, now, file + " reads " + now + " after writing " + value);
        }
        return new Outcome(true, value, now, "oom_score_adj of the daemon set to " + value);
    }

    private static Integer read(Path file) {
        try {
            return Integer.parseInt(Files.readString(file, StandardCharsets.US_ASCII).trim());
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }
}
