package dev.flotilla.vm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.FishingOutcomes;
import akka.actor.testkit.typed.javadsl.TestProbe;
import dev.flotilla.kvm.hostfs.HostFiles;
import akka.actor.typed.ActorRef;
import akka.pattern.StatusReply;
import dev.flotilla.kvm.Kvm;
import dev.flotilla.kvm.x86.boot.BootProtocol;
import dev.flotilla.vm.config.VmSpec;
import dev.flotilla.vm.console.ConsoleSink;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the MicroVm ITs of one class share: the real /dev/kvm and an actor test kit, opened before the
 * class's tests (which are skipped, loudly, where KVM cannot run them) and closed after them. Register it
 * as {@code @RegisterExtension static final KvmTestBed bed = new KvmTestBed();}.
 */
final class KvmTestBed implements BeforeAllCallback, AfterAllCallback {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private ActorTestKit testKit;
    private Kvm kvm;

    @Override
    public void beforeAll(ExtensionContext context) {
        ProbeGuest.assumeKvm();
        testKit = ActorTestKit.create();
        kvm = Kvm.open();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (testKit != null) testKit.shutdownTestKit();
        if (kvm != null) kvm.close();
    }

    ActorTestKit testKit() {
        return testKit;
    }

    Kvm kvm() {
        return kvm;
    }

    /**
     * A started MicroVm, the console it writes to, what it was built with (set by its build) and the
     * answer to its start.
     */
    record Started(ActorRef<MicroVm.Command> vm, ConsoleSink console, AtomicReference<VmResources> resources,
                   VmInfo info) {}

    /** Spawns a MicroVm for {@code spec} and starts it; fails the test unless it starts within 20 s. */
    Started start(VmSpec spec, BootProtocol protocol) {
        return start(spec, protocol, HostFiles.unconfined());
    }

    /** As {@link #start(VmSpec, BootProtocol)}, with the VM's host files opened beneath the roots of {@code files}. */
    Started start(VmSpec spec, BootProtocol protocol, HostFiles files) {
        Attempt a = attempt(spec, protocol, files);
        assertTrue(a.reply().isSuccess(), () -> "start failed: " + a.reply().getError());
        return new Started(a.vm(), a.console(), a.resources(), a.reply().getValue());
    }

    /** A start's answer, whatever it is. */
    record Attempt(ActorRef<MicroVm.Command> vm, ConsoleSink console, AtomicReference<VmResources> resources,
                   StatusReply<VmInfo> reply) {}

    /** Spawns a MicroVm for {@code spec} and asks it to start; the answer comes within 20 s or the test fails. */
    Attempt attempt(VmSpec spec, BootProtocol protocol, HostFiles files) {
        String id = spec.id();
        ConsoleSink console = ConsoleSink.inMemory();
        AtomicReference<VmResources> resources = new AtomicReference<>();
        ActorRef<MicroVm.Command> vm = testKit.spawn(MicroVm.create(id, spec.machineConfig().vcpuCount(),
                spec.machineConfig().memSizeMib(), hooks -> {
                    VmResources r = VmBuilder.build(kvm, files, java.util.Optional.empty(), spec, protocol, console, hooks);
                    resources.set(r);
                    return r;
                }), id);
        TestProbe<StatusReply<VmInfo>> reply = testKit.createTestProbe();
        vm.tell(new MicroVm.Start(reply.getRef()));
        return new Attempt(vm, console, resources, reply.receiveMessage(START_TIMEOUT));
    }

    /** The VM's first state that says it ended (subscribing, so one that ended already counts). */
    VmInfo awaitEnd(ActorRef<MicroVm.Command> vm, Duration timeout) {
        TestProbe<VmInfo> events = testKit.createTestProbe();
        vm.tell(new MicroVm.Subscribe(events.getRef()));
        return events.fishForMessage(timeout, i -> i.ended() ? FishingOutcomes.complete()
                : FishingOutcomes.continueAndIgnore()).get(0);
    }

    /** Stops the VM (reason STOPPED, "test done") and waits up to 10 s for the answer. */
    void stop(ActorRef<MicroVm.Command> vm) {
        TestProbe<StatusReply<VmInfo>> reply = testKit.createTestProbe();
        vm.tell(new MicroVm.Stop(EndReason.of(EndReason.Kind.STOPPED, "test done"), reply.getRef()));
        reply.receiveMessage(STOP_TIMEOUT);
    }
}
