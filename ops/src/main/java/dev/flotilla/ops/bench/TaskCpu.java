package dev.flotilla.ops.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One thread of a process and the CPU time it has used, from /proc/&lt;pid&gt;/task/&lt;tid&gt;:
 * {@code comm} (the thread name, at most 15 bytes) and the first two fields of {@code schedstat}: time on
 * a CPU (nanoseconds, the same clock as CLOCK_THREAD_CPUTIME_ID, so comparable with ThreadMXBean's) and
 * time spent runnable on a run queue, waiting for a CPU.
 * Threads that ended are gone from /proc: a sum over tasks misses them (QEMU's long-lived main loop,
 * vCPU and block-worker threads stay for the whole routine).
 */
record TaskCpu(long tid, String name, long cpuNanos, long waitNanos) {

    /** Linux keeps the first 15 bytes of a thread's name ({@code TASK_COMM_LEN} 16 with the NUL). */
    static final int COMM_LEN = 15;

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
                    long[] sched = schedstat(Files.readString(t.resolve("schedstat")));
                    tasks.add(new TaskCpu(Long.parseLong(t.getFileName().toString()),
                            Files.readString(t.resolve("comm")).strip(), sched[0], sched[1]));
                } catch (NoSuchFileException ended) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the threads of process " + pid + " in " + dir + ": " + e.getMessage(), e);
        }
        return tasks;
    }

    /** {run ns, run-queue wait ns} of a schedstat line "run_ns wait_ns timeslices". */
    static long[] schedstat(String schedstat) {
        String[] f = schedstat.trim().split("\\s+");
        try {
            if (f.length < 2) throw new NumberFormatException();
            return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a /proc schedstat line: '" + schedstat.strip() + "'");
        }
    }

    /** Whether this task's comm is what Linux shows for a thread named {@code javaName}. */
    boolean isNamed(String javaName) {
        return name.equals(javaName.length() > COMM_LEN ? javaName.substring(0, COMM_LEN) : javaName);
    }

    /** QEMU's sample: vCPU threads by name, everything else is the device side. */
    static CpuSample qemuSample(List<TaskCpu> tasks) {
        long vcpu = 0, other = 0, vcpuWait = 0, otherWait = 0;
        for (TaskCpu t : tasks) {
            if (t.isQemuVcpu()) {
                vcpu += t.cpuNanos();
                vcpuWait += t.waitNanos();
            } else {
                other += t.cpuNanos();
                otherWait += t.waitNanos();
            }
        }
        return new CpuSample(other, vcpu, vcpu + other, otherWait, vcpuWait);
    }
}
