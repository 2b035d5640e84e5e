package dev.flotilla.ops.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The three measurements on the QEMU microvm side: one process per VM, the same probe guest. */
final class QemuRuns {

    private final String binary;
    private final int vcpus;
    private final long memMib;
    private final Path kernel;

    /** The samples of the sequential boots, in ms from just before the spawn. */
    static final class Samples {
        final List<Double> probeLine = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
    }

    QemuRuns(String binary, int vcpus, long memMib, Path kernel) {
        this.binary = binary;
        this.vcpus = vcpus;
        this.memMib = memMib;
        this.kernel = kernel;
    }

    QemuCommand command(String cmdline) {
        return new QemuCommand(binary, vcpus, memMib, kernel, cmdline);
    }

    /** One boot to the guest's own end (triple fault → exit 0 under -no-reboot); timings go into {@code into}. */
    void bootOnce(Samples into) {
        QemuVm vm;
        try {
            vm = QemuVm.spawn(command(ProbeLines.RESET_CMDLINE));
        } catch (IOException e) {
            into.failures.add("cannot start " + binary + ": " + e.getMessage());
            return;
        }
        if (Await.until(vm.exited, Await.deadline(FlotillaRuns.VM_DEADLINE_S)).isEmpty()) kill(vm);
        if (!vm.bootedAndExitedCleanly()) into.failures.add(vm.failure());
        else into.probeLine.add(vm.sinceRequestMs(vm.probeLine.join()));
    }

    /**
     * Starts {@code k} idle guests and reads each process's smaps: RSS and PSS minus those of its guest
     * RAM mapping (the anonymous mapping of exactly the guest's memory size).
     */
    BenchReport.Memory memory(int k, Progress progress) {
        List<QemuVm> vms = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        try {
            for (int i = 0; i < k; i++) vms.add(QemuVm.spawn(command(ProbeLines.HOLD_CMDLINE)));
        } catch (IOException e) {
            failures.add("cannot start " + binary + ": " + e.getMessage());
        }
        long deadline = Await.deadline(FlotillaRuns.VM_DEADLINE_S);
        int holding = 0;
        List<QemuVm> measured = new ArrayList<>();
        for (QemuVm vm : vms) {
            if (Await.until(vm.holding, deadline).isPresent()) {
                measured.add(vm);
                progress.tick("qemu idle VMs holding", ++holding, k);
            } else {
                failures.add(vm.failure());
            }
        }
        double rss = 0, pss = 0, guest = 0;
        int n = 0;
        for (QemuVm vm : measured) {
            List<Smaps.Mapping> maps = Smaps.read(vm.pid());
            Optional<Smaps.Mapping> ram = guestRam(maps, memMib);
            if (ram.isEmpty()) {
                failures.add("qemu pid " + vm.pid() + ": no anonymous mapping of " + memMib + " MiB (its guest RAM) in smaps");
                continue;
            }
            rss += Smaps.total(maps, "Rss") - ram.get().rssKib();
            pss += Smaps.total(maps, "Pss") - ram.get().pssKib();
            guest += ram.get().rssKib();
            n++;
        }
        vms.forEach(QemuRuns::kill);
        if (n == 0) n = 1;
        progress.phase(String.format(java.util.Locale.ROOT,
                "  per QEMU process: RSS %.0f KiB + guest RAM %.0f KiB resident, PSS beyond guest RAM %.0f KiB",
                rss / n, guest / n, pss / n));
        return new BenchReport.Memory(k, rss / 1024.0 / n, pss / 1024.0 / n, guest / 1024.0 / n,
                java.util.OptionalDouble.empty(), failures);
    }

    /** The guest RAM mapping of a QEMU process: anonymous, exactly {@code memMib} MiB. */
    static Optional<Smaps.Mapping> guestRam(List<Smaps.Mapping> maps, long memMib) {
        return maps.stream().filter(m -> m.anonymous() && m.sizeKib() == memMib * 1024).findFirst();
    }

    /** Spawns {@code b} processes back to back without waiting, then waits for every one to end. */
    BenchReport.Burst burst(int b, Progress progress) {
        CpuTimes cpu0 = CpuTimes.now();
        long t0 = System.nanoTime();
        List<QemuVm> vms = new ArrayList<>(b);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            try {
                vms.add(QemuVm.spawn(command(ProbeLines.RESET_CMDLINE)));
            } catch (IOException e) {
                failures.add("cannot start " + binary + " (" + (i + 1) + " of " + b + "): " + e.getMessage());
            }
        }
        long deadline = Await.deadline(FlotillaRuns.BURST_DEADLINE_S);
        int done = 0;
        List<Long> lines = new ArrayList<>();
        for (QemuVm vm : vms) {
            if (Await.until(vm.exited, deadline).isEmpty()) kill(vm);
            progress.tick("qemu burst processes ended", ++done, b);
        }
        double cpuMs = CpuTimes.now().minus(cpu0).childrenMs();
        for (QemuVm vm : vms) {
            if (!vm.bootedAndExitedCleanly()) failures.add(vm.failure());
            if (vm.probeLine.isDone()) lines.add(vm.probeLine.join());
        }
        return new BenchReport.Burst(b, Optional.empty(), FlotillaRuns.arrival(lines, t0), Optional.empty(), cpuMs / b, failures);
    }

    private static void kill(QemuVm vm) {
        vm.process.destroy();
        if (Await.until(vm.exited, Await.deadline(5)).isEmpty()) vm.process.destroyForcibly();
    }
}
