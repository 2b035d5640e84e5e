package dev.flotilla.ops.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One thread of another process and the CPU time it has used, from /proc/&lt;pid&gt;/task/&lt;tid&gt;:
 * {@code comm} (the thread name, at most 15 bytes) and the first field of {@code schedstat} (time on a
 * CPU, in nanoseconds: the same clock as CLOCK_THREAD_CPUTIME_ID, so comparable with ThreadMXBean's).
 * Threads that ended are gone from /proc: a sum over tasks misses them (QEMU's long-lived main loop,
 * vCPU and block-worker threads stay for the whole routine).
 */
record TaskCpu(long tid, String name, long cpuNanos) {

    /** QEMU names its vCPU threads {@code CPU <n>/KVM}. */
    boolean isQemuVcpu() {
        return name.startsWith("CPU ") && name.endsWith("/KVM");
    }

    static List<TaskCpu> read(long pid) {
        List<TaskCpu> tasks = new ArrayList<>();
        Path dir = Path.of("/proc", Long.toString(pid), "task");
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path t : ds) {
                try {
                    tasks.add(new TaskCpu(Long.parseLong(t.getFileName().toString()),
                            Files.readString(t.resolve("comm")).strip(), schedstatNanos(Files.readString(t.resolve("schedstat")))));
                } catch (NoSuchFileException ended) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the threads of process " + pid + " in " + dir + ": " + e.getMessage(), e);
        }
        return tasks;
    }

    /** The run time (first field, ns) of a schedstat line "run_ns wait_ns timeslices". */
    static long schedstatNanos(String schedstat) {
        String[] f = schedstat.trim().split("\\s+");
        try {
            return Long.parseLong(f[0]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a /proc schedstat line: '" + schedstat.strip() + "'");
        }
    }

    /** QEMU's sample: vCPU threads by name, everything else is the device side. */
    static CpuSample qemuSample(List<TaskCpu> tasks) {
        long vcpu = 0, other = 0;
        for (TaskCpu t : tasks) {
            if (t.isQemuVcpu()) vcpu += t.cpuNanos();
            else other += t.cpuNanos();
        }
        return new CpuSample(other, vcpu, vcpu + other);
    }
}
