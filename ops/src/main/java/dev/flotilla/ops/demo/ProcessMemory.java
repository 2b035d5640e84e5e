package dev.flotilla.ops.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's resident set (VmRSS in /proc/self/status), for the demo's memory line. */
final class ProcessMemory {

    private ProcessMemory() {}

    /** Resident KiB, or -1 when /proc is not readable. */
    static long residentKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
