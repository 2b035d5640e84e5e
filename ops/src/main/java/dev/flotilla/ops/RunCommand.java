package dev.flotilla.ops;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.pattern.StatusReply;
import dev.flotilla.kvm.Kvm;
import dev.flotilla.kvm.KvmAvailability;
import dev.flotilla.kvm.x86.boot.BootProtocol;
import dev.flotilla.vm.EndReason;
import dev.flotilla.vm.MicroVm;
import dev.flotilla.vm.VmBuilder;
import dev.flotilla.vm.VmInfo;
import dev.flotilla.vm.config.BootSource;
import dev.flotilla.vm.config.CpuTemplate;
import dev.flotilla.vm.config.HugePages;
import dev.flotilla.vm.config.InvalidConfigException;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.VmSpec;
import dev.flotilla.vm.console.ConsoleSink;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code flotilla run}: boots one microVM in this process, streams its console to stdout and ends with
 * one line on stderr: {@code vm <id> ended: reason=<reason> boot_ms=<ms>}. Exit status: 0 when the guest
 * ended by itself (reset or power-off), 1 when it failed or was stopped, 2 for a usage error, 3 when the
 * host cannot run VMs, 124 on timeout.
 */
final class RunCommand {

    static final String PROBE_CMDLINE = "console=ttyS0";

    private RunCommand() {}

    static int execute(List<String> args) {
        if (args.contains("--help") || args.contains("-h")) {
            System.out.println(RunOptions.USAGE);
            return 0;
        }
        RunOptions opts;
        try {
            opts = RunOptions.parse(args);
        } catch (UsageException e) {
            System.err.println("flotilla run: " + e.getMessage());
            System.err.println(RunOptions.USAGE);
            return 2;
        }
        if (System.getProperty("flotilla.log.level") == null) {
            System.setProperty("flotilla.log.level", opts.verbose() ? "INFO" : "WARN");
        }
        KvmAvailability kvmState = Kvm.availability();
        if (!kvmState.usable()) {
            System.err.println("flotilla run: cannot run microVMs on this host: " + kvmState.describe());
            return 3;
        }
        Path kernel;
        try {
            kernel = opts.kernel().orElseGet(ProbeGuestImage::path);
        } catch (RuntimeException e) {
            System.err.println("flotilla run: " + e.getMessage());
            return 2;
        }
        for (Path p : opts.initrd().map(i -> List.of(kernel, i)).orElse(List.of(kernel))) {
            if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
                System.err.println("flotilla run: " + p + " is not a readable file: check the path you gave");
                return 2;
            }
        }
        boolean probe = opts.kernel().isEmpty();
        if (!probe && kvmState.status() == KvmAvailability.Status.PVM) {
            System.err.println("flotilla run: note: this host's KVM is kvm_pvm (no VT-x/AMD-V): an unmodified Linux "
                    + "kernel runs under KVM's instruction emulator and will stop early with an emulation failure.");
        }
        VmSpec spec;
        try {
            String cmdline = opts.cmdline().orElse(probe ? PROBE_CMDLINE : BootSource.DEFAULT_BOOT_ARGS);
            spec = new VmSpec("vm-" + ProcessHandle.current().pid(),
                    new MachineConfig(opts.vcpus(), opts.memMib(), false, CpuTemplate.NONE, false, HugePages.NONE),
                    new BootSource(kernel, opts.initrd(), cmdline), opts.devices());
        } catch (InvalidConfigException e) {
            System.err.println("flotilla run: " + e.getMessage());
            return 2;
        }
        return boot(spec, opts, kvmState);
    }

    private static int boot(VmSpec spec, RunOptions opts, KvmAvailability kvmState) {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        ConsoleSink console = opts.consoleFile().map(ConsoleSink::appendingTo).orElseGet(ConsoleSink::inMemory);
        console.addLineListener(out::println);
        BootProtocol protocol = switch (opts.boot()) {
            case "linux64" -> BootProtocol.LINUX_64;
            case "pvh" -> BootProtocol.PVH;
            default -> BootProtocol.AUTO;
        };
        try (Kvm kvm = Kvm.open()) {
            ActorSystem<MicroVm.Command> system = ActorSystem.create(
                    MicroVm.create(spec.id(), spec.machineConfig().vcpuCount(), spec.machineConfig().memSizeMib(),
                            hooks -> VmBuilder.build(kvm, spec, protocol, console, hooks)), "flotilla");
            try {
                CompletableFuture<VmInfo> ended = new CompletableFuture<>();
                ActorRef<VmInfo> watcher = system.systemActorOf(Behaviors.receiveMessage(i -> {
                    if (i.ended()) ended.complete(i);
                    return Behaviors.same();
                }), "run-watcher", Props.empty());
                system.tell(new MicroVm.Subscribe(watcher));
                Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(system, EndReason.Kind.STOPPED, "interrupted")));
                StatusReply<VmInfo> started = AskPattern.<MicroVm.Command, StatusReply<VmInfo>>ask(system,
                        MicroVm.Start::new, Duration.ofSeconds(60), system.scheduler()).toCompletableFuture().join();
                if (started.isError()) {
                    System.err.println("flotilla run: the VM did not start: " + started.getError().getMessage());
                }
                VmInfo end;
                try {
                    end = ended.get(opts.timeout().toMillis(), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    stop(system, EndReason.Kind.TIMEOUT, "no end within " + opts.timeout().toSeconds() + " s");
                    end = ended.get(10, TimeUnit.SECONDS);
                }
                console.flush();
                return report(end, kvmState);
            } finally {
                system.terminate();
                system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
                console.close();
            }
        } catch (Exception e) {
            System.err.println("flotilla run: " + e);
            return 1;
        }
    }

    private static void stop(ActorSystem<MicroVm.Command> system, EndReason.Kind kind, String why) {
        try {
            AskPattern.<MicroVm.Command, StatusReply<VmInfo>>ask(system,
                    r -> new MicroVm.Stop(EndReason.of(kind, why), r), Duration.ofSeconds(10), system.scheduler())
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // the system is already gone: nothing left to stop
        }
    }

    /** Prints the end line and returns the exit status. */
    static int report(VmInfo end, KvmAvailability kvmState) {
        EndReason reason = end.endReason();
        String bootMs = end.bootMs() < 0 ? "none" : String.format(Locale.ROOT, "%.1f", end.bootMs());
        System.err.println("vm " + end.id() + " ended: reason=" + reason.kind().label() + " boot_ms=" + bootMs);
        if (!reason.detail().isEmpty()) System.err.println("  " + reason.detail());
        switch (reason.kind()) {
            case EMULATION_FAILURE -> System.err.println(kvmState.status() == KvmAvailability.Status.PVM
                    ? "  This host's KVM is kvm_pvm: guest code runs under KVM's instruction emulator, which cannot "
                      + "run this instruction. Run unmodified kernels on a host with VT-x/AMD-V; the probe guest runs here."
                    : "  KVM could not emulate a guest instruction: check the kernel is built for x86_64.");
            case TIMEOUT -> System.err.println("  The guest did not end within --timeout; raise it, or check the "
                    + "console output above for where it stopped.");
            case INVALID_CONFIG -> System.err.println("  A file or setting given for this VM cannot be used; the detail above says which and why.");
            case VMM_ERROR -> System.err.println("  Flotilla could not build or run this VM; the detail above says what to change.");
            default -> { }
        }
        if (reason.kind().guestInitiated()) return 0;
        return reason.kind() == EndReason.Kind.TIMEOUT ? 124 : 1;
    }
}
