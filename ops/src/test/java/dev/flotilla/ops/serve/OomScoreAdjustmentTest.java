package dev.flotilla.ops.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OomScoreAdjustmentTest {

    @TempDir
    Path dir;

    @Test
    void theValueIsWrittenAndReadBack() throws Exception {
        Path f = Files.writeString(dir.resolve("oom_score_adj"), "0\n");
        OomScoreAdjustment.Outcome o = OomScoreAdjustment.apply(f, -500);
        assertTrue(o.applied(), o.detail());
        assertEquals(-500, o.effective());
        assertEquals("-500", Files.readString(f));
    }

    @Test
    void aFileThatCannotBeWrittenIsReportedNotThrown() {
        Path missing = dir.resolve("no-such-dir").resolve("oom_score_adj");
        OomScoreAdjustment.Outcome o = OomScoreAdjustment.apply(missing, -500);
        assertFalse(o.applied());
        assertTrue(o.detail().contains(missing.toString()) && o.detail().contains("root"), o.detail());
        assertFalse(OomScoreAdjustment.apply(dir.resolve("x"), -1001).applied(), "outside the kernel's range");
    }

    /** CAP_SYS_RESOURCE (bit 24) in this process's effective set: what lowering oom_score_adj needs. */
    private static boolean canLower() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("CapEff:")) return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << 24)) != 0;
        }
        return false;
    }

    @Test
    void theKernelTakesItForARealProcess() throws Exception {
        // a child process, so this test JVM keeps its own score
        Process child = new ProcessBuilder("sleep", "60").start();
        try {
            Path file = Path.of("/proc", Long.toString(child.pid()), "oom_score_adj");
            OomScoreAdjustment.Outcome lowered = OomScoreAdjustment.apply(file, -500);
            if (canLower()) {
                assertTrue(lowered.applied(), lowered.detail());
                assertEquals("-500", Files.readString(file).trim(), "the kernel's own view");
            } else {
                // root without CAP_SYS_RESOURCE (a container): the kernel refuses, the daemon says why and runs on
                System.out.println("no CAP_SYS_RESOURCE here: lowering is refused, as the daemon's log then says");
                assertFalse(lowered.applied());
                assertTrue(lowered.detail().contains("CAP_SYS_RESOURCE"), lowered.detail());
                assertEquals(0, lowered.effective(), "the value read back is the unchanged one");
            }
            // raising needs no privilege: the same writer against the real procfs, read back from the kernel
            OomScoreAdjustment.Outcome raised = OomScoreAdjustment.apply(file, 300);
            assertTrue(raised.applied(), raised.detail());
            assertEquals("300", Files.readString(file).trim());
            int score = Integer.parseInt(Files.readString(file.resolveSibling("oom_score")).trim());
            assertTrue(score >= 300, "the kernel's badness score moved with it: " + score);
        } finally {
            child.destroy();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
