package dev.flotilla.ops.bench;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.flotilla.kvm.Kvm;
import dev.flotilla.kvm.x86.boot.BootProtocol;
import dev.flotilla.vm.MicroVm;
import dev.flotilla.vm.VmBuilder;
import dev.flotilla.vm.VmHooks;
import dev.flotilla.vm.VmResources;
import dev.flotilla.vm.config.BootSource;
import dev.flotilla.vm.config.CpuTemplate;
import dev.flotilla.vm.config.HugePages;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.VmDevices;
import dev.flotilla.vm.config.VmSpec;
import dev.flotilla.vm.console.ConsoleSink;
import dev.flotilla.vm.pool.VmPool;
import dev.flotilla.vm.pool.VmPoolConfig;
import dev.flotilla.vm.pool.VmPoolStats;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Flotilla as the benchmark runs it: one ActorSystem and one shared {@link Kvm} in this JVM, every VM
 * a {@link MicroVm} actor built by {@link VmBuilder} exactly as {@code flotilla run} builds it. The
 * builder is wrapped only to take timestamps and keep a reference to the VM's resources (for the
 * guest-RAM residency count). With {@code --pool P} the VMs are built from a warm {@link VmPool} of P.
 */
final class FlotillaFleet implements AutoCloseable {

    private record Launch(FlotillaVm handle, Behavior<MicroVm.Command> microVm) {}

    private final Kvm kvm;
    private final ActorSystem<Launch> system;
    private final Path kernel;
    private final int vcpus;
    private final long memMib;
    private final AtomicInteger ids = new AtomicInteger();
    private final Optional<VmPool> pool;

    FlotillaFleet(Path kernel, int vcpus, long memMib, int pool) throws InterruptedException {
        this.kernel = kernel;
        this.vcpus = vcpus;
        this.memMib = memMib;
        this.kvm = Kvm.open();
        this.pool = pool == 0 ? Optional.empty() : Optional.of(VmPool.start(kvm, VmPoolConfig.of(memMib, pool)));
        if (this.pool.isPresent() && !this.pool.get().awaitReady(Duration.ofSeconds(30))) {
            System.err.println("bench: the warm pool did not fill within 30 s: " + this.pool.get().stats().describe());
        }
        Behavior<Launch> guardian = Behaviors.receive((ctx, l) -> {
            l.handle().actor = ctx.spawn(BenchVm.create(l.handle(), l.microVm()), l.handle().id());
            return Behaviors.same();
        });
        this.system = ActorSystem.create(guardian, "flotilla-bench");
    }

    Kvm kvm() {
        return kvm;
    }

    Optional<VmPoolStats> poolStats() {
        return pool.map(VmPool::stats);
    }

    /** Asks for one VM and returns at once; the handle's futures complete as it boots and ends. */
    FlotillaVm launch(String cmdline) {
        return launch(cmdline, VmDevices.NONE, id -> line -> { });
    }

    /**
     * Asks for one VM with {@code devices}; every console line also goes to the listener made for the
     * VM's id (called on the vCPU thread), from the first line on.
     */
    FlotillaVm launch(String cmdline, VmDevices devices, Function<String, Consumer<String>> listenerForId) {
        String id = "bench-" + ids.incrementAndGet();
        long t0 = System.nanoTime();
        VmSpec spec = new VmSpec(id, new MachineConfig(vcpus, memMib, false, CpuTemplate.NONE, false, HugePages.NONE),
                new BootSource(kernel, Optional.empty(), cmdline), devices);
        FlotillaVm handle = new FlotillaVm(id, t0, ConsoleSink.inMemory());
        handle.console.addLineListener(listenerForId.apply(id));
        Behavior<MicroVm.Command> vm = MicroVm.create(id, vcpus, memMib, hooks -> build(spec, handle, hooks));
        system.tell(new Launch(handle, vm));
        return handle;
    }

    void stop(FlotillaVm vm) {
        if (vm.actor != null) vm.actor.tell(new BenchVm.StopGuest());
    }

    private VmResources build(VmSpec spec, FlotillaVm handle, VmHooks hooks) {
        handle.buildStartNanos = System.nanoTime();
        VmHooks timed = new VmHooks() {
            @Override public void guestReset() { hooks.guestReset(); }
            @Override public void bootTimerFired(long nanoTime) {
                handle.bootTimer.complete(nanoTime);
                hooks.bootTimerFired(nanoTime);
            }
        };
        try {
            VmResources r = pool.isPresent()
                    ? VmBuilder.build(kvm, pool.get(), spec, BootProtocol.AUTO, handle.console, timed)
                    : VmBuilder.build(kvm, spec, BootProtocol.AUTO, handle.console, timed);
            handle.buildEndNanos = System.nanoTime();
            handle.resources.complete(r);
            return r;
        } catch (RuntimeException e) {
            handle.resources.completeExceptionally(e);
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("bench: the actor system did not stop within 20 s: " + e);
        } finally {
            pool.ifPresent(VmPool::close);
            kvm.close();
        }
    }
}
