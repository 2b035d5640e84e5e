package dev.flotilla.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class QemuCommandTest {

    @Test
    void argvIsTheOneOpsBinQemuProbeRuns() throws Exception {
        Path script = Path.of("bin/qemu-probe").toAbsolutePath();
        assumeTrue(Files.isExecutable(script), "ops/bin/qemu-probe not found from " + Path.of("").toAbsolutePath());
        Path kernel = Path.of("/k/probe.elf");
        Process p = new ProcessBuilder("bash", script.toString(), "--print", "--vcpus", "2", "--mem-mib", "256",
                "--kernel", kernel.toString(), "--cmdline", "console=ttyS0").start();
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor());
        // --print quotes with printf %q, which escapes the commas of the machine option
        List<String> scriptArgv = Arrays.asList(printed.replace("\\,", ",").split(" "));
        assertEquals(scriptArgv, new QemuCommand("qemu-system-x86_64", 2, 256, kernel, "console=ttyS0").argv());
    }

    @Test
    void cmdlineStaysOneArgument() {
        List<String> argv = new QemuCommand("q", 1, 128, Path.of("/p"), "console=ttyS0 probe.hold").argv();
        assertEquals("console=ttyS0 probe.hold", argv.get(argv.indexOf("-append") + 1));
        assertEquals("128", argv.get(argv.indexOf("-m") + 1));
    }
}
