package dev.flotilla.fleet.host;

import dev.flotilla.fleet.placement.OverCommit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A host's CPUs and memory: physical (from the OS) or as capacity (over-commit applied).
 *
 * @param vcpus  cores, or vCPUs that may be placed
 * @param memMib MiB of RAM, or of guest RAM that may be placed
 */
public record HostResources(int vcpus, long memMib) {

    public HostResources {
        if (vcpus < 0 || memMib < 0) throw new IllegalArgumentException("host resources cannot be negative: " + vcpus + ", " + memMib);
    }

    /** This machine: the cores the JVM may use and MemTotal from /proc/meminfo. */
    public static HostResources detect() {
        return new HostResources(Runtime.getRuntime().availableProcessors(), memTotalMib(Path.of("/proc/meminfo")));
    }

    public HostResources overCommitted(OverCommit o) {
        return new HostResources(o.vcpus(vcpus), o.memoryMib(memMib));
    }

    /** MemTotal of a /proc/meminfo-format file, in MiB. */
    static long memTotalMib(Path meminfo) {
        try {
            for (String line : Files.readAllLines(meminfo)) {
                if (line.startsWith("MemTotal:")) {
                    String[] parts = line.substring("MemTotal:".length()).trim().split("\\s+");
                    long kib = Long.parseLong(parts[0]);
                    return kib / 1024;
                }
            }
            throw new IllegalStateException("reading " + meminfo + ": no MemTotal line; is this Linux?");
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("reading host memory from " + meminfo + ": " + e.getMessage()
                    + "; Flotilla needs Linux's /proc", e);
        }
    }
}
