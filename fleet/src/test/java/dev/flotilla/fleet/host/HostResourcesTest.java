package dev.flotilla.fleet.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.fleet.placement.OverCommit;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostResourcesTest {

    @TempDir
    Path dir;

    @Test
    void memTotalIsReadInMib() throws Exception {
        Path f = Files.writeString(dir.resolve("meminfo"), "MemTotal:       24683860 kB\nMemFree:        23053420 kB\n");
        assertEquals(24105, HostResources.memTotalMib(f));
    }

    @Test
    void aFileWithoutMemTotalIsAnErrorNamingIt() throws Exception {
        Path f = Files.writeString(dir.resolve("meminfo"), "MemFree: 1 kB\n");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> HostResources.memTotalMib(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void thisHostIsDetectedAndOverCommitted() {
        HostResources h = HostResources.detect();
        assertTrue(h.vcpus() >= 1 && h.memMib() > 0, h.toString());
        assertEquals(new HostResources(h.vcpus() * 4, h.memMib() / 2), h.overCommitted(new OverCommit(4, 0.5)));
    }
}
