package dev.flotilla.vm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * What this JVM holds from the kernel, read from /proc/self: open fds, threads (all kernel tasks, and
 * the Java threads named {@code vcpu-*}), memory mappings (all of them; those that are not thread
 * stacks; the vCPUs' kvm_run mappings, which are named after their fd), virtual size (a leaked guest
 * RAM mapping adds its whole size, touched or not), resident memory, and the Java heap's committed size
 * (so heap growth can be told apart from native growth in the RSS).
 *
 * <p>Thread stacks are told apart because glibc keeps the stacks of dead threads mapped for reuse (up
 * to 40 MiB of them), so the total count moves with how many threads were alive at once, not with
 * leaks: a stack is a small PROT_NONE guard (16 KiB here) with a read-write mapping right above it.
 */
record ProcessFootprint(int fds, int tasks, int vcpuThreads, int mappings, int nonStackMappings,
                        int kvmRunMappings, long virtualKib, long rssKib, long heapCommittedKib) {

    /** A range of this process's address space, [start, end). */
    record HostRange(long start, long end) {}

    static ProcessFootprint measure() {
        List<String> maps = maps();
        int kvmRun = (int) maps.stream().filter(l -> l.contains("kvm-vcpu")).count();
        long heapCommittedKib = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted() / 1024;
        return new ProcessFootprint(count(Path.of("/proc/self/fd")), count(Path.of("/proc/self/task")),
                countVcpuThreads(), maps.size(), maps.size() - 2 * stacks(maps), kvmRun,
                statusKib("VmSize:"), statusKib("VmRSS:"), heapCommittedKib);
    }

    /** A guard (PROT_NONE, at most 64 KiB) directly below a read-write mapping: a thread stack, live or cached. */
    private static int stacks(List<String> maps) {
        int n = 0;
        for (int i = 0; i + 1 < maps.size(); i++) {
            String guard = maps.get(i);
            String next = maps.get(i + 1);
            int dash = guard.indexOf('-');
            int space = guard.indexOf(' ');
            long start = Long.parseUnsignedLong(guard.substring(0, dash), 16);
            String end = guard.substring(dash + 1, space);
            if (Long.parseUnsignedLong(end, 16) - start <= 64 * 1024 && guard.startsWith("---p", space + 1)
                    && next.startsWith(end + "-") && next.startsWith("rw", next.indexOf(' ') + 1)) {
                n++;
            }
        }
        return n;
    }

    /**
     * Whether all of {@code range} is mapped read-write now, by one mapping or by adjacent ones (the
     * kernel merges neighbouring anonymous mappings with the same flags, so guest RAM cannot be told
     * apart by mapping size). After a VM has ended, no other mapping should come to cover all of its
     * guest RAM range: malloc arenas and thread stacks are smaller, the Java heap's place is fixed.
     */
    static boolean isMappedReadWrite(HostRange range, List<String> maps) {
        long covered = range.start();
        for (String l : maps) {   // /proc/self/maps is sorted by address
            int dash = l.indexOf('-');
            int space = l.indexOf(' ');
            long start = Long.parseUnsignedLong(l.substring(0, dash), 16);
            long end = Long.parseUnsignedLong(l.substring(dash + 1, space), 16);
            if (end <= covered || start > covered) continue;
            if (!l.startsWith("rw", space + 1)) return false;
            covered = end;
            if (covered >= range.end()) return true;
        }
        return false;
    }

    /** Collects garbage (more than once: objects with cleaners free their native side after one), then measures. */
    static ProcessFootprint measureAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return measure();
    }

    static int countVcpuThreads() {
        return countThreads("vcpu-");
    }

    private static int countThreads(String namePrefix) {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(namePrefix)).count();
    }

    /** Waits (bounded) until no vcpu-* thread is alive: a loop's thread ends just after it reports its exit. */
    static int awaitNoVcpuThreads(Duration timeout) throws InterruptedException {
        return awaitVcpuThreads(0, timeout);
    }

    /** Waits (bounded) until at most {@code expected} vcpu-* threads are alive; returns how many are. */
    static int awaitVcpuThreads(int expected, Duration timeout) throws InterruptedException {
        return awaitThreads("vcpu-", expected, timeout);
    }

    /** Waits (bounded) until at most {@code expected} threads named {@code namePrefix}* are alive. */
    static int awaitThreads(String namePrefix, int expected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int n;
        while ((n = countThreads(namePrefix)) > expected && System.nanoTime() < deadline) Thread.sleep(10);
        return n;
    }

    /** What the open fds point at, by kind ("anon_inode:kvm-vcpu", "socket", a path...), with counts. */
    /**
     * The fds a VM can own, by kind: KVM's (VM, vCPU), eventfds, epoll and timer instances, TAPs. Not the
     * JVM's own (a jar opened when a class is first needed, surefire's channels), which come and go with
     * what the test happens to load and say nothing about a VM.
     */
    static java.util.SortedMap<String, Integer> vmFdKinds() {
        java.util.SortedMap<String, Integer> kinds = fdKinds();
        kinds.keySet().removeIf(k -> !(k.startsWith("anon_inode:") || k.equals("/dev/net/tun")));
        return kinds;
    }

    static java.util.SortedMap<String, Integer> fdKinds() {
        java.util.SortedMap<String, Integer> kinds = new java.util.TreeMap<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            s.forEach(fd -> {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    return;   // closed meanwhile (the listing's own fd, for one)
                }
                kinds.merge(target.replaceAll("[:\\[]\\d+\\]?$|\\[\\d+\\]$", ""), 1, Integer::sum);
            });
        } catch (IOException e) {
            throw new UncheckedIOException("listing /proc/self/fd", e);
        }
        return kinds;
    }

    /** The lines of /proc/self/maps now. */
    static List<String> maps() {
        try {
            return Files.readAllLines(Path.of("/proc/self/maps"));
        } catch (IOException e) {
            throw new UncheckedIOException("reading /proc/self/maps", e);
        }
    }

    String describe() {
        return ("fds=%d tasks=%d vcpu_threads=%d mappings=%d (not stacks %d, kvm_run %d) virtual=%.1f MiB"
                + " rss=%.1f MiB heap_committed=%.1f MiB").formatted(fds, tasks, vcpuThreads, mappings,
                nonStackMappings, kvmRunMappings, virtualKib / 1024.0, rssKib / 1024.0, heapCommittedKib / 1024.0);
    }

    private static int count(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return (int) s.count();
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + dir, e);
        }
    }

    private static long statusKib(String field) {
        try {
            List<String> status = Files.readAllLines(Path.of("/proc/self/status"));
            for (String l : status) {
                if (l.startsWith(field)) return Long.parseLong(l.substring(field.length()).trim().split("\\s+")[0]);
            }
            throw new IllegalStateException("no " + field + " in /proc/self/status");
        } catch (IOException e) {
            throw new UncheckedIOException("reading /proc/self/status", e);
        }
    }
}
