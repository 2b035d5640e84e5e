package dev.flotilla.fleet.host;

import akka.actor.typed.Behavior;
import dev.flotilla.kvm.Kvm;
import dev.flotilla.kvm.x86.boot.BootProtocol;
import dev.flotilla.vm.MicroVm;
import dev.flotilla.vm.VmBuilder;
import dev.flotilla.vm.VmResources;
import dev.flotilla.vm.config.VmSpec;
import dev.flotilla.vm.console.ConsoleSink;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Real microVMs on the JVM's one {@link Kvm}. Each VM's serial console goes to a 64 KiB in-memory ring and,
 * when a console directory is given, to {@code <dir>/<id>.log}; the console is opened with the VM's other
 * native resources (on the blocking dispatcher) and closed with them.
 */
public final class KvmVmLauncher implements VmLauncher {

    private final Kvm kvm;
    private final Optional<Path> consoleDir;

    public KvmVmLauncher(Kvm kvm, Optional<Path> consoleDir) {
        this.kvm = kvm;
        this.consoleDir = consoleDir;
    }

    @Override
    public Behavior<MicroVm.Command> microVm(VmSpec spec) {
        int vcpus = spec.machineConfig().vcpuCount();
        long mem = spec.machineConfig().memSizeMib();
        return MicroVm.create(spec.id(), vcpus, mem, hooks -> {
            ConsoleSink console = consoleDir.map(d -> ConsoleSink.appendingTo(d.resolve(spec.id() + ".log")))
                    .orElseGet(ConsoleSink::inMemory);
            VmResources r;
            try {
                r = VmBuilder.build(kvm, spec, BootProtocol.AUTO, console, hooks);
            } catch (RuntimeException | Error e) {
                console.close();
                throw e;
            }
            List<AutoCloseable> owned = new ArrayList<>(r.owned());
            owned.add(console);
            return new VmResources(r.vm(), r.memory(), r.vcpus(), r.pio(), r.mmio(), r.console(), r.i8042(),
                    r.bootSummary(), owned);
        });
    }

    @Override
    public String kvmFlavour() {
        return Kvm.availability().status().name();
    }
}
