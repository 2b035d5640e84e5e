package dev.flotilla.ops.bench;

import dev.flotilla.vm.EndReason;
import dev.flotilla.vm.VmInfo;
import dev.flotilla.vm.config.DriveConfig;
import dev.flotilla.vm.config.VmDevices;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One {@code flotilla bench devices} run: a warm-up pair, then R rounds per device kind, each round a
 * Flotilla VM and a QEMU microvm process booting the same probe guest with the same command line.
 */
final class DevicesBench {

    static final String DRIVE_ID = "bench";
    static final int MEM_MIB = 128;
    /** Counts the guest never reaches: the routines stop on probe.blk.ms. */
    private static final long UNBOUNDED = 1_000_000_000L;

    private final DevicesOptions options;
    private final Path kernel;
    private final Progress progress;
    private final List<String> failures = new ArrayList<>();
    private final List<String> setup = new ArrayList<>();
    private final Map<Workload, List<DeviceSample>> flotilla = new EnumMap<>(Workload.class);
    private final Map<Workload, List<DeviceSample>> qemu = new EnumMap<>(Workload.class);

    DevicesBench(DevicesOptions options, Path kernel, Progress progress) {
        this.options = options;
        this.kernel = kernel;
        this.progress = progress;
    }

    DevicesReport run() throws IOException, InterruptedException {
        MachineInfo machine = MachineInfo.collect(options.qemu());
        try (FlotillaFleet fleet = new FlotillaFleet(kernel, 1, MEM_MIB, 0)) {   // no warm pool: one VM at a time
            if (!options.skipBlock()) block(fleet);
            if (!options.skipNet()) new NetBench(options, kernel, progress, fleet, setup, failures, flotilla, qemu).run();
        }
        progress.phase("done");
        return new DevicesReport(machine, options, kernel.toString(), setup, flotilla,
                options.skipQemu() ? Optional.empty() : Optional.of(qemu), failures);
    }

    String blockCmdline(long ms) {
        return "console=ttyS0 probe.run=" + Workload.BLOCK_RANDOM.routine + "," + Workload.BLOCK_SEQUENTIAL.routine
                + " probe.blk.ms=" + ms + " probe.blk.rand_count=" + UNBOUNDED + " probe.blk.seq_count=" + UNBOUNDED
                + " probe.blk.req_kib=1024 probe.blk.seg_kib=" + options.segKib();
    }

    private void block(FlotillaFleet fleet) throws IOException {
        progress.phase("block: writing and pre-reading a " + options.diskMib() + " MiB backing file");
        try (BlockDisk disk = BlockDisk.create(options.diskMib())) {
            setup.add("block: read-only raw file " + disk.path + " (" + disk.mib + " MiB of pseudo-random bytes, written "
                    + "and read once before the runs, so both peers read from the host page cache); QEMU: -drive "
                    + "format=raw,readonly=on (cache=writeback, aio=threads: its defaults)");
            setup.add("block: guest command line: " + blockCmdline(options.seconds() * 1000L)
                    + " (each 1 MiB request one chain: " + (1024 / options.segKib()) + " data descriptors of " + options.segKib()
                    + " KiB in an indirect table)");
            progress.phase("block: warm-up, 1 s per routine on each peer (Flotilla: JIT; QEMU: its own caches)");
            runBlockPair(fleet, disk, blockCmdline(1000), false);
            for (int r = 1; r <= options.rounds(); r++) {
                progress.phase("block: round " + r + " of " + options.rounds() + ", " + options.seconds() + " s per routine");
                runBlockPair(fleet, disk, blockCmdline(options.seconds() * 1000L), true);
            }
        }
    }

    private void runBlockPair(FlotillaFleet fleet, BlockDisk disk, String cmdline, boolean record) {
        List<CueRecorder.RoutineRun> f = flotillaBlock(fleet, disk, cmdline);
        if (record) collect("Flotilla", f, flotilla);
        else progress.phase("  warm-up Flotilla: " + summary(f));
        if (options.skipQemu()) return;
        List<CueRecorder.RoutineRun> q = qemuBlock(disk, cmdline);
        if (record) collect("QEMU", q, qemu);
        else progress.phase("  warm-up QEMU: " + summary(q));
    }

    private static String summary(List<CueRecorder.RoutineRun> runs) {
        return runs.stream().map(r -> r.result().line()).reduce((a, b) -> a + " | " + b).orElse("no result lines");
    }

    private void collect(String peer, List<CueRecorder.RoutineRun> runs, Map<Workload, List<DeviceSample>> into) {
        for (Workload w : List.of(Workload.BLOCK_RANDOM, Workload.BLOCK_SEQUENTIAL)) {
            Optional<CueRecorder.RoutineRun> run = runs.stream().filter(x -> x.result().routine().equals(w.routine)).findFirst();
            if (run.isEmpty()) {
                failures.add(peer + " " + w.routine + ": no result line");
                continue;
            }
            if (!run.get().result().ok()) {
                failures.add(peer + " " + w.routine + ": " + run.get().result().line());
                continue;
            }
            if (run.get().cpu().isEmpty()) failures.add(peer + " " + w.routine + ": no CPU reading (start/done cue missed)");
            try {
                DeviceSample s = DeviceSample.ofBlock(w, run.get());
                into.computeIfAbsent(w, k -> new ArrayList<>()).add(s);
                progress.phase(String.format(java.util.Locale.ROOT, "  %s %s: %.0f reads/s, %.1f MB/s, CPU µs/read device %s, process %s",
                        peer, w.routine, s.requestsPerSecond(), s.megabytesPerSecond(),
                        s.cost().map(c -> DevicesTable.num(c.device(), 1)).orElse("?"),
                        s.cost().map(c -> DevicesTable.num(c.process(), 1)).orElse("?")));
            } catch (IllegalArgumentException e) {
                failures.add(peer + " " + w.routine + ": " + e.getMessage());
            }
        }
    }

    /** Two routines of S seconds each, boot and reset, with room for a loaded host. */
    private long deadlineSeconds() {
        return 4L * options.seconds() + 60;
    }

    private List<CueRecorder.RoutineRun> flotillaBlock(FlotillaFleet fleet, BlockDisk disk, String cmdline) {
        VmDevices devices = new VmDevices(List.of(new DriveConfig(DRIVE_ID, disk.path, false, true, Optional.empty(), Optional.empty())),
                List.of(), Optional.empty(), Optional.empty(), Optional.empty());
        AtomicReference<CueRecorder> recorder = new AtomicReference<>();
        FlotillaVm vm = fleet.launch(cmdline, devices, id -> {
            CueRecorder c = new CueRecorder(FlotillaCpu.of(id, "blk-" + DRIVE_ID));
            recorder.set(c);
            return c;
        });
        Optional<VmInfo> end = Await.until(vm.ended, Await.deadline(deadlineSeconds()));
        if (end.isEmpty()) {
            fleet.stop(vm);
            failures.add("Flotilla " + vm.id() + ": did not end within the deadline; console tail: " + vm.console.tail(300).replace('\n', '|'));
        } else if (end.get().endReason() == null || end.get().endReason().kind() != EndReason.Kind.RESET) {
            failures.add("Flotilla " + vm.id() + ": ended " + end.get().endReason() + "; console tail: " + vm.console.tail(300).replace('\n', '|'));
        }
        recorder.get().problems().forEach(p -> failures.add("Flotilla " + vm.id() + ": " + p));
        return recorder.get().runs();
    }

    private List<CueRecorder.RoutineRun> qemuBlock(BlockDisk disk, String cmdline) {
        QemuCommand base = new QemuCommand(options.qemu(), 1, MEM_MIB, kernel, cmdline);
        return runQemu(QemuDevices.argv(base, QemuDevices.readOnlyDisk(disk.path, DRIVE_ID)), deadlineSeconds(), failures);
    }

    /** Runs one QEMU process to its end (or kills it at the deadline) and returns its routines. */
    static List<CueRecorder.RoutineRun> runQemu(List<String> argv, long deadlineSeconds, List<String> failures) {
        AtomicReference<CueRecorder> recorder = new AtomicReference<>();
        QemuVm vm;
        try {
            vm = QemuVm.spawn(argv, pid -> {
                CueRecorder c = new CueRecorder(() -> TaskCpu.qemuSample(TaskCpu.read(pid)));
                recorder.set(c);
                return c;
            });
        } catch (IOException e) {
            failures.add("cannot start " + argv.get(0) + ": " + e.getMessage());
            return List.of();
        }
        if (Await.until(vm.exited, Await.deadline(deadlineSeconds)).isEmpty()) {
            vm.process.destroy();
            if (Await.until(vm.exited, Await.deadline(5)).isEmpty()) vm.process.destroyForcibly();
            failures.add("QEMU: killed at the deadline: " + vm.failure());
        } else if (!vm.bootedAndExitedCleanly()) {
            failures.add("QEMU: " + vm.failure());
        }
        recorder.get().problems().forEach(p -> failures.add("QEMU pid " + vm.pid() + ": " + p));
        return recorder.get().runs();
    }
}
