package dev.flotilla.ops.bench;

import dev.flotilla.kvm.memory.GuestMemory;
import dev.flotilla.kvm.memory.MmapGuestMemory;
import dev.flotilla.vm.VmInfo;
import dev.flotilla.vm.VmResources;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/** The three measurements on the Flotilla side, all in this JVM through one {@link FlotillaFleet}. */
final class FlotillaRuns {

    static final long VM_DEADLINE_S = 30;
    static final long BURST_DEADLINE_S = 180;
    private static final double MIB = 1024.0 * 1024.0;

    /** The samples of the sequential boots, in ms from the launch request. */
    static final class Samples {
        final List<Double> bootTimer = new ArrayList<>();
        final List<Double> probeLine = new ArrayList<>();
        final TimelineSamples timeline = new TimelineSamples();
        final List<String> failures = new ArrayList<>();
    }

    /** Where each booted VM's time went, from the timestamps around VmBuilder and at the boot timer. */
    static final class TimelineSamples {
        private final List<Double> toBuildStart = new ArrayList<>();
        private final List<Double> build = new ArrayList<>();
        private final List<Double> buildEndToBootTimer = new ArrayList<>();
        private final List<Double> actorBootMs = new ArrayList<>();

        void add(FlotillaVm vm) {
            Long bt = vm.bootTimer.getNow(null);
            VmInfo end = vm.ended.getNow(null);
            if (bt == null || end == null || vm.buildEndNanos == 0) return;
            toBuildStart.add(vm.sinceRequestMs(vm.buildStartNanos));
            build.add((vm.buildEndNanos - vm.buildStartNanos) / 1e6);
            buildEndToBootTimer.add((bt - vm.buildEndNanos) / 1e6);
            actorBootMs.add(end.bootMs());
        }

        Optional<BenchReport.FlotillaTimeline> summary() {
            if (build.isEmpty()) return Optional.empty();
            return Optional.of(new BenchReport.FlotillaTimeline(Summary.of(toBuildStart), Summary.of(build),
                    Summary.of(buildEndToBootTimer), Summary.of(actorBootMs)));
        }
    }

    private final FlotillaFleet fleet;

    FlotillaRuns(FlotillaFleet fleet) {
        this.fleet = fleet;
    }

    /** One boot to the guest's own reset; its timings go into {@code into}. */
    void bootOnce(Samples into) {
        FlotillaVm vm = fleet.launch(ProbeLines.RESET_CMDLINE);
        Optional<VmInfo> end = Await.until(vm.ended, Await.deadline(VM_DEADLINE_S));
        if (end.isEmpty()) fleet.stop(vm);
        if (!vm.bootedAndReset()) {
            into.failures.add(vm.failure());
            return;
        }
        long bt = vm.bootTimer.join();
        into.bootTimer.add(vm.sinceRequestMs(bt));
        Long line = vm.probeLine.getNow(null);
        if (line != null) into.probeLine.add(vm.sinceRequestMs(line));
        into.timeline.add(vm);
    }

    /**
     * Starts {@code k} idle guests and measures the JVM's RSS (and PSS) growth per VM, minus the guest
     * RAM pages resident in them (counted from /proc/self/pagemap over each VM's RAM mappings).
     */
    BenchReport.Memory memory(int k, Progress progress) {
        long self = ProcessHandle.current().pid();
        settle();
        var before = Smaps.readRollup(self);
        long heapBefore = heapUsed();
        List<FlotillaVm> vms = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < k; i++) vms.add(fleet.launch(ProbeLines.HOLD_CMDLINE));
        long deadline = Await.deadline(VM_DEADLINE_S);
        int holding = 0;
        for (FlotillaVm vm : vms) {
            if (Await.until(vm.holding, deadline).isPresent()) progress.tick("flotilla idle VMs holding", ++holding, k);
            else failures.add(vm.failure());
        }
        settle();
        var after = Smaps.readRollup(self);
        long heapAfter = heapUsed();
        long guestBytes = 0;
        for (FlotillaVm vm : vms) {
            VmResources r = vm.resources.getNow(null);
            if (r == null) continue;
            MmapGuestMemory mem = r.memory();
            for (GuestMemory.Region region : mem.regions()) {
                guestBytes += PageResidency.residentBytes(mem.hostAddress(region), region.size());
            }
        }
        vms.forEach(fleet::stop);
        long stopDeadline = Await.deadline(VM_DEADLINE_S);
        for (FlotillaVm vm : vms) {
            if (Await.until(vm.ended, stopDeadline).isEmpty()) failures.add(vm.id() + ": did not stop within " + VM_DEADLINE_S + " s");
        }
        progress.phase(String.format(java.util.Locale.ROOT,
                "  JVM RSS %d → %d KiB, PSS %d → %d KiB, heap after GC %d → %d KiB, guest RAM resident %d KiB in %d VMs",
                before.getOrDefault("Rss", 0L), after.getOrDefault("Rss", 0L), before.getOrDefault("Pss", 0L),
                after.getOrDefault("Pss", 0L), heapBefore / 1024, heapAfter / 1024, guestBytes / 1024, k));
        double guestMib = guestBytes / MIB / k;
        double rss = (after.getOrDefault("Rss", 0L) - before.getOrDefault("Rss", 0L)) / 1024.0 / k - guestMib;
        double pss = (after.getOrDefault("Pss", 0L) - before.getOrDefault("Pss", 0L)) / 1024.0 / k - guestMib;
        return new BenchReport.Memory(k, rss, pss, guestMib, OptionalDouble.of((heapAfter - heapBefore) / MIB / k), failures);
    }

    /** Asks for {@code b} VMs without waiting for any, then waits for all of them to boot and reset. */
    BenchReport.Burst burst(int b, Progress progress) {
        CpuTimes cpu0 = CpuTimes.now();
        long t0 = System.nanoTime();
        List<FlotillaVm> vms = new ArrayList<>(b);
        for (int i = 0; i < b; i++) vms.add(fleet.launch(ProbeLines.RESET_CMDLINE));
        long deadline = Await.deadline(BURST_DEADLINE_S);
        int done = 0;
        for (FlotillaVm vm : vms) {
            if (Await.until(vm.ended, deadline).isEmpty()) fleet.stop(vm);
            progress.tick("flotilla burst VMs ended", ++done, b);
        }
        double cpuMs = CpuTimes.now().minus(cpu0).selfMs();
        List<String> failures = new ArrayList<>();
        List<Long> bootTimers = new ArrayList<>();
        List<Long> probeLines = new ArrayList<>();
        TimelineSamples timeline = new TimelineSamples();
        for (FlotillaVm vm : vms) {
            timeline.add(vm);
            if (!vm.bootedAndReset()) failures.add(vm.failure());
            if (vm.bootTimer.isDone()) bootTimers.add(vm.bootTimer.join());
            if (vm.probeLine.isDone()) probeLines.add(vm.probeLine.join());
        }
        return new BenchReport.Burst(b, arrival(bootTimers, t0), arrival(probeLines, t0), timeline.summary(), cpuMs / b, failures);
    }

    static Optional<BenchReport.Arrival> arrival(List<Long> instants, long t0) {
        if (instants.isEmpty()) return Optional.empty();
        long first = instants.stream().mapToLong(Long::longValue).min().getAsLong();
        long last = instants.stream().mapToLong(Long::longValue).max().getAsLong();
        return Optional.of(new BenchReport.Arrival(instants.size(), (first - t0) / 1e6, (last - t0) / 1e6));
    }

    /** A full GC and a moment for the actor system to go quiet, so RSS reads are comparable. */
    private static void settle() {
        System.gc();
        try {
            Thread.sleep(300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.gc();
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
