package dev.flotilla.fleet.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemoryPressureTest {

    @TempDir
    Path dir;

    private Path meminfo() throws Exception {
        return Files.writeString(dir.resolve("meminfo"), """
                MemTotal:       24683860 kB
                MemFree:        23053420 kB
                MemAvailable:   23527424 kB
                Buffers:           41292 kB
                """);
    }

    @Test
    void meminfoAndBothPsiLinesAreRead() throws Exception {
        Path psi = Files.writeString(dir.resolve("memory"), """
                some avg10=1.25 avg60=0.50 avg300=0.10 total=123456
                full avg10=0.75 avg60=0.20 avg300=0.00 total=6543
                """);
        assertEquals(new MemoryPressure(24105, 22976, 1.25, 0.75), MemoryPressure.read(meminfo(), psi));
    }

    @Test
    void withoutPsiThePressureFieldsAreAbsent() throws Exception {
        MemoryPressure m = MemoryPressure.read(meminfo(), dir.resolve("no-such-file"));
        assertEquals(22976, m.memAvailableMib());
        assertNull(m.someAvg10());
        assertNull(m.fullAvg10());
    }

    @Test
    void aKernelWithOnlyTheSomeLineHasNoFullFigure() throws Exception {
        Path psi = Files.writeString(dir.resolve("memory"), "some avg10=3.00 avg60=0.00 avg300=0.00 total=1\n");
        MemoryPressure m = MemoryPressure.read(meminfo(), psi);
        assertEquals(3.0, m.someAvg10());
        assertNull(m.fullAvg10());
    }

    @Test
    void meminfoWithoutMemAvailableIsAnErrorNamingTheFile() throws Exception {
        Path f = Files.writeString(dir.resolve("old-meminfo"), "MemTotal: 1024 kB\nMemFree: 512 kB\n");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> MemoryPressure.read(f, dir.resolve("x")));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void thisHostsRealProcIsRead() {
        MemoryPressure m = MemoryPressure.readHost();
        assertTrue(m.memTotalMib() > 0 && m.memAvailableMib() > 0 && m.memAvailableMib() <= m.memTotalMib(), m.toString());
        assertEquals(HostResources.detect().memMib(), m.memTotalMib());
        if (Files.isReadable(MemoryPressure.PROC_PRESSURE_MEMORY)) {
            assertNotNull(m.someAvg10(), "PSI is there but was not read: " + m);
            assertTrue(m.someAvg10() >= 0 && m.someAvg10() <= 100, m.toString());
        } else {
            System.out.println("this kernel has no " + MemoryPressure.PROC_PRESSURE_MEMORY + ": PSI fields absent, as expected");
        }
    }
}
