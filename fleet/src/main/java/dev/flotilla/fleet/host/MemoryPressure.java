package dev.flotilla.fleet.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * A host's memory as the kernel sees it now: MemTotal and MemAvailable from {@code /proc/meminfo}, and the
 * pressure stall information of {@code /proc/pressure/memory} (the share of the last 10 s in which some,
 * or all, non-idle tasks waited for memory), absent where the kernel has no PSI.
 *
 * @param memTotalMib     MemTotal
 * @param memAvailableMib MemAvailable: what can still be allocated without swapping (the kernel's estimate)
 * @param someAvg10       PSI "some" avg10 in percent, or null without PSI
 * @param fullAvg10       PSI "full" avg10 in percent, or null without PSI (or a kernel that has only "some")
 */
public record MemoryPressure(long memTotalMib, long memAvailableMib, Double someAvg10, Double fullAvg10) {

    public static final Path PROC_MEMINFO = Path.of("/proc/meminfo");
    public static final Path PROC_PRESSURE_MEMORY = Path.of("/proc/pressure/memory");

    public MemoryPressure {
        if (memTotalMib < 0 || memAvailableMib < 0) {
            throw new IllegalArgumentException("memory figures cannot be negative: " + memTotalMib + ", " + memAvailableMib);
        }
    }

    /** This host, from the real {@code /proc}. */
    public static MemoryPressure readHost() {
        return read(PROC_MEMINFO, PROC_PRESSURE_MEMORY);
    }

    /**
     * Reads a {@code /proc/meminfo}-format file and a {@code /proc/pressure/memory}-format file (which may be
     * missing: PSI needs Linux 4.20 with CONFIG_PSI and psi not disabled on the command line).
     *
     * @throws IllegalStateException naming the file when meminfo is unreadable or lacks MemTotal/MemAvailable
     */
    public static MemoryPressure read(Path meminfo, Path psi) {
        long total = -1;
        long available = -1;
        try {
            for (String line : Files.readAllLines(meminfo)) {
                if (line.startsWith("MemTotal:")) total = kibField(line) / 1024;
                else if (line.startsWith("MemAvailable:")) available = kibField(line) / 1024;
            }
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("reading host memory from " + meminfo + ": " + e.getMessage()
                    + "; Flotilla needs Linux's /proc", e);
        }
        if (total < 0 || available < 0) {
            throw new IllegalStateException("reading " + meminfo + ": no MemTotal or MemAvailable line (MemAvailable "
                    + "needs Linux 3.14 or later)");
        }
        Double some = null;
        Double full = null;
        try {
            for (String line : Files.readAllLines(psi)) {
                if (line.startsWith("some ")) some = avg10(line, psi);
                else if (line.startsWith("full ")) full = avg10(line, psi);
            }
        } catch (NoSuchFileException e) {
            // no PSI on this kernel: the pressure fields stay absent
        } catch (IOException e) {
            // PSI disabled (psi=0 makes reads fail with EOPNOTSUPP): the same as absent
        }
        return new MemoryPressure(total, available, some, full);
    }

    private static long kibField(String line) {
        String[] parts = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        return Long.parseLong(parts[0]);
    }

    /** "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" → the avg10 figure. */
    private static Double avg10(String line, Path psi) {
        for (String field : List.of(line.split("\\s+"))) {
            if (field.startsWith("avg10=")) {
                try {
                    return Double.parseDouble(field.substring("avg10=".length()));
                } catch (NumberFormatException e) {
                    throw new IllegalStateException("reading " + psi + ": bad avg10 in '" + line + "'", e);
                }
            }
        }
        return null;
    }
}
