package dev.flotilla.vm;

import akka.Done;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.pattern.StatusReply;
import dev.flotilla.kvm.Kvm;
import dev.flotilla.kvm.memory.GuestMemory;
import dev.flotilla.kvm.x86.boot.BootProtocol;
import dev.flotilla.vm.config.BootSource;
import dev.flotilla.vm.config.CpuTemplate;
import dev.flotilla.vm.config.HugePages;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.VmSpec;
import dev.flotilla.vm.console.ConsoleSink;
import dev.flotilla.vm.pool.VmPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One {@link MicroVm} actor under test, driven asynchronously so a test can run many at once. The
 * builder can be held back by a gate (to stop a VM while it is still starting, deterministically) and
 * keeps the built {@link VmResources} (so a test can look at a device's state) and where its guest RAM
 * was mapped (so a test can check it is unmapped).
 */
record ProbeVm(String id, ActorRef<MicroVm.Command> ref, ConsoleSink console,
               AtomicReference<VmResources> built, List<ProcessFootprint.HostRange> guestRam, ActorTestKit testKit) {

    static final Duration ASK_TIMEOUT = Duration.ofSeconds(20);

    /**
     * Spawns (does not start) a VM of {@code memMib} MiB booting {@code kernel}.
     *
     * @param buildGate the build waits for it on the blocking dispatcher; null to build at once
     */
    static ProbeVm spawn(ActorTestKit testKit, Kvm kvm, String id, int vcpus, long memMib, Path kernel,
                         String cmdline, CompletionStage<?> buildGate) {
        return spawn(testKit, kvm, id, vcpus, memMib, kernel, cmdline, buildGate, dev.flotilla.vm.config.VmDevices.NONE);
    }

    /** As above, with virtio devices. */
    static ProbeVm spawn(ActorTestKit testKit, Kvm kvm, String id, int vcpus, long memMib, Path kernel,
                         String cmdline, CompletionStage<?> buildGate, dev.flotilla.vm.config.VmDevices devices) {
        return spawn(testKit, kvm, null, id, vcpus, memMib, kernel, cmdline, buildGate, devices);
    }

    /** As above, built through {@code pool} (null: built cold). */
    static ProbeVm spawn(ActorTestKit testKit, Kvm kvm, VmPool pool, String id, int vcpus, long memMib, Path kernel,
                         String cmdline, CompletionStage<?> buildGate, dev.flotilla.vm.config.VmDevices devices) {
        VmSpec spec = new VmSpec(id, new MachineConfig(vcpus, memMib, false, CpuTemplate.NONE, false, HugePages.NONE),
                new BootSource(kernel, Optional.empty(), cmdline), devices);
        ConsoleSink console = ConsoleSink.inMemory();
        AtomicReference<VmResources> built = new AtomicReference<>();
        List<ProcessFootprint.HostRange> guestRam = new CopyOnWriteArrayList<>();
        ActorRef<MicroVm.Command> ref = testKit.spawn(MicroVm.create(id, vcpus, memMib, hooks -> {
            if (buildGate != null) buildGate.toCompletableFuture().join();
            VmResources r = pool == null ? VmBuilder.build(kvm, spec, BootProtocol.AUTO, console, hooks)
                    : VmBuilder.build(kvm, pool, spec, BootProtocol.AUTO, console, hooks);
            built.set(r);
            for (GuestMemory.Region region : r.memory().regions()) {
                long host = r.memory().hostAddress(region);
                guestRam.add(new ProcessFootprint.HostRange(host, host + region.size()));
            }
            return r;
        }), id);
        return new ProbeVm(id, ref, console, built, guestRam, testKit);
    }

    /** The probe guest with {@code cmdline}, 128 MiB. */
    static ProbeVm spawnProbe(ActorTestKit testKit, Kvm kvm, String id, int vcpus, String cmdline) {
        return spawn(testKit, kvm, id, vcpus, 128, ProbeGuest.elf(), cmdline, null);
    }

    CompletableFuture<StatusReply<VmInfo>> start() {
        return ask(MicroVm.Start::new);
    }

    CompletableFuture<StatusReply<VmInfo>> pause() {
        return ask(MicroVm.Pause::new);
    }

    CompletableFuture<StatusReply<VmInfo>> resume() {
        return ask(MicroVm.Resume::new);
    }

    CompletableFuture<StatusReply<VmInfo>> stop() {
        return ask(r -> new MicroVm.Stop(EndReason.of(EndReason.Kind.STOPPED, "test"), r));
    }

    CompletableFuture<StatusReply<Done>> ctrlAltDel() {
        return AskPattern.<MicroVm.Command, StatusReply<Done>>ask(ref, MicroVm.SendCtrlAltDel::new, ASK_TIMEOUT,
                testKit.system().scheduler()).toCompletableFuture();
    }

    CompletableFuture<VmInfo> info() {
        return AskPattern.<MicroVm.Command, VmInfo>ask(ref, MicroVm.GetInfo::new, ASK_TIMEOUT,
                testKit.system().scheduler()).toCompletableFuture();
    }

    /** Completes with the first info in a terminal state (the VM's native resources are released by then). */
    CompletableFuture<VmInfo> end() {
        CompletableFuture<VmInfo> f = new CompletableFuture<>();
        ActorRef<VmInfo> watcher = testKit.spawn(Behaviors.receive(VmInfo.class)
                .onMessage(VmInfo.class, i -> {
                    if (!i.ended()) return Behaviors.same();
                    f.complete(i);
                    return Behaviors.stopped();
                }).build());
        ref.tell(new MicroVm.Subscribe(watcher));
        return f;
    }

    /** Completes when the guest has printed a line containing {@code text}. */
    CompletableFuture<String> line(String text) {
        return console.awaitLine(l -> l.contains(text));
    }

    private CompletableFuture<StatusReply<VmInfo>> ask(
            akka.japi.function.Function<ActorRef<StatusReply<VmInfo>>, MicroVm.Command> message) {
        return AskPattern.ask(ref, message, ASK_TIMEOUT, testKit.system().scheduler()).toCompletableFuture();
    }
}
