package dev.flotilla.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunOptionsTest {

    @Test
    void defaultsBootTheProbeGuestWithOneVcpuAnd128Mib() {
        RunOptions o = RunOptions.parse(List.of());
        assertTrue(o.kernel().isEmpty());
        assertEquals(1, o.vcpus());
        assertEquals(128, o.memMib());
        assertEquals("auto", o.boot());
        assertEquals(Duration.ofSeconds(30), o.timeout());
    }

    @Test
    void parsesEveryOption() {
        RunOptions o = RunOptions.parse(List.of("--kernel", "/k", "--initrd", "/i", "--cmdline", "a b",
                "--vcpus", "4", "--mem-mib", "4096", "--boot", "pvh", "--timeout", "1.5", "--console-file", "/c"));
        assertEquals(Path.of("/k"), o.kernel().orElseThrow());
        assertEquals(Path.of("/i"), o.initrd().orElseThrow());
        assertEquals("a b", o.cmdline().orElseThrow());
        assertEquals(4, o.vcpus());
        assertEquals(4096, o.memMib());
        assertEquals("pvh", o.boot());
        assertEquals(Duration.ofMillis(1500), o.timeout());
        assertEquals(Path.of("/c"), o.consoleFile().orElseThrow());
    }

    @Test
    void refusesOutOfRangeAndMalformedValuesWithTheOptionName() {
        assertTrue(assertThrows(RunOptions.UsageException.class, () -> RunOptions.parse(List.of("--vcpus", "33")))
                .getMessage().contains("--vcpus must be 1 to 32"));
        assertTrue(assertThrows(RunOptions.UsageException.class, () -> RunOptions.parse(List.of("--vcpus", "x")))
                .getMessage().contains("whole number"));
        assertTrue(assertThrows(RunOptions.UsageException.class, () -> RunOptions.parse(List.of("--mem-mib")))
                .getMessage().contains("needs a value"));
        assertTrue(assertThrows(RunOptions.UsageException.class, () -> RunOptions.parse(List.of("--boot", "bios")))
                .getMessage().contains("auto, linux64 or pvh"));
        assertTrue(assertThrows(RunOptions.UsageException.class, () -> RunOptions.parse(List.of("--timeout", "NaN")))
                .getMessage().contains("seconds"));
        assertTrue(assertThrows(RunOptions.UsageException.class, () -> RunOptions.parse(List.of("--frobnicate")))
                .getMessage().contains("unknown option"));
    }
}
