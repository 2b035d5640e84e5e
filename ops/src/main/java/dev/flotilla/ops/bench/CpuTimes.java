package dev.flotilla.ops.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's CPU time from {@code /proc/self/stat}: its own (user + system, which includes the
 * time its vCPU threads spend in KVM's instruction emulator) and that of its reaped children (the QEMU
 * processes, once they have exited and Java has waited for them). In milliseconds.
 */
public record CpuTimes(double selfMs, double childrenMs) {

    /** The kernel's clock tick of /proc stat fields (USER_HZ): 100 on every mainstream Linux build. */
    static final double MS_PER_TICK = 10.0;

    public static CpuTimes now() {
        Path stat = Path.of("/proc/self/stat");
        try {
            return parse(Files.readString(stat));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + stat + ": " + e.getMessage(), e);
        }
    }

    /** Parses a stat line; the command name (field 2) may hold spaces and parentheses, so fields count from its last ')'. */
    static CpuTimes parse(String statLine) {
        int close = statLine.lastIndexOf(')');
        if (close < 0) throw new IllegalArgumentException("not a /proc/<pid>/stat line: " + statLine);
        String[] f = statLine.substring(close + 1).trim().split("\\s+");
        // f[0] is field 3 (state): utime, stime, cutime, cstime are fields 14-17
        long utime = Long.parseLong(f[11]), stime = Long.parseLong(f[12]);
        long cutime = Long.parseLong(f[13]), cstime = Long.parseLong(f[14]);
        return new CpuTimes((utime + stime) * MS_PER_TICK, (cutime + cstime) * MS_PER_TICK);
    }

    public CpuTimes minus(CpuTimes earlier) {
        return new CpuTimes(selfMs - earlier.selfMs, childrenMs - earlier.childrenMs);
    }
}
