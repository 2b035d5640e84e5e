package dev.flotilla.fleet.host;

import akka.actor.typed.Behavior;
import akka.actor.typed.BehaviorInterceptor;
import akka.actor.typed.PostStop;
import akka.actor.typed.Signal;
import akka.actor.typed.TypedActorContext;
import akka.actor.typed.javadsl.Behaviors;
import dev.flotilla.kvm.Kvm;
import dev.flotilla.kvm.hostfs.HostFiles;
import dev.flotilla.kvm.x86.boot.BootProtocol;
import dev.flotilla.vm.MicroVm;
import dev.flotilla.vm.VmBuilder;
import dev.flotilla.vm.config.VmSpec;
import dev.flotilla.vm.console.ConsoleSink;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Real microVMs on the JVM's one {@link Kvm}. Each VM's serial console goes to a 64 KiB in-memory ring and,
 * when a console directory is given, to {@code <dir>/<id>.log}. The console is opened by the build (on the
 * blocking dispatcher, with the VM's other native parts) and closed when the VM's actor stops, after
 * MicroVm's own PostStop has released the VM. Every build — the first start and each restart — opens the VM's
 * host files beneath their roots in the launcher's {@link HostFiles}, so each is checked again then.
 */
public final class KvmVmLauncher implements VmLauncher {

    private final Kvm kvm;
    private final Optional<Path> consoleDir;
    private final Optional<dev.flotilla.vm.pool.VmPool> pool;
    private final HostFiles files;

    /** Host files opened as named ({@link HostFiles#unconfined()}): for tests whose paths come from the test. */
    public KvmVmLauncher(Kvm kvm, Optional<Path> consoleDir) {
        this(kvm, consoleDir, Optional.empty(), HostFiles.unconfined());
    }

    /**
     * @param pool  pre-created VMs to build from when one of the right shape is ready (cold build otherwise)
     * @param files the allowed roots every host file of a VM is opened beneath
     */
    public KvmVmLauncher(Kvm kvm, Optional<Path> consoleDir, Optional<dev.flotilla.vm.pool.VmPool> pool, HostFiles files) {
        this.kvm = kvm;
        this.consoleDir = consoleDir;
        this.pool = pool;
        this.files = files;
    }

    @Override
    public Behavior<MicroVm.Command> microVm(VmSpec spec) {
        AtomicReference<ConsoleSink> console = new AtomicReference<>();
        Behavior<MicroVm.Command> vm = MicroVm.create(spec.id(), spec.machineConfig().vcpuCount(),
                spec.machineConfig().memSizeMib(), hooks -> {
                    ConsoleSink c = consoleDir.map(d -> ConsoleSink.appendingTo(d.resolve(spec.id() + ".log")))
                            .orElseGet(ConsoleSink::inMemory);
                    try {
                        var resources = VmBuilder.build(kvm, files, pool, spec, BootProtocol.AUTO, c, hooks);
                        console.set(c);
                        return resources;
                    } catch (RuntimeException | Error e) {
                        c.close();
                        throw e;
                    }
                });
        return Behaviors.intercept(() -> new BehaviorInterceptor<MicroVm.Command, MicroVm.Command>(MicroVm.Command.class) {
            @Override
            public Behavior<MicroVm.Command> aroundReceive(TypedActorContext<MicroVm.Command> ctx, MicroVm.Command msg,
                                                           ReceiveTarget<MicroVm.Command> target) {
                return target.apply(ctx, msg);
            }

            @Override
            public Behavior<MicroVm.Command> aroundSignal(TypedActorContext<MicroVm.Command> ctx, Signal signal,
                                                          SignalTarget<MicroVm.Command> target) {
                Behavior<MicroVm.Command> next = target.apply(ctx, signal);
                if (signal instanceof PostStop) {
                    ConsoleSink c = console.getAndSet(null);
                    if (c != null) c.close();
                }
                return next;
            }
        }, vm);
    }

    @Override
    public String kvmFlavour() {
        return Kvm.availability().status().name();
    }
}
