package dev.flotilla.fleet;

import akka.Done;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.pattern.StatusReply;
import dev.flotilla.fleet.host.HostAgent;
import dev.flotilla.fleet.host.HostResources;
import dev.flotilla.fleet.store.DesiredStateStore;
import dev.flotilla.vm.config.BootSource;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.VmDevices;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/** A fleet over a real store and fake-VM host agents, with blocking helpers for tests. */
final class FleetHarness implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(10);
    static final BootSource BOOT = new BootSource(Path.of("/fake/probe.elf"), Optional.empty(), "probe.hold");

    final ActorTestKit kit;
    final DesiredStateStore store;
    final FleetSettings settings;
    final FakeVmLauncher launcher = new FakeVmLauncher();
    final ActorRef<FleetProtocol.Command> fleet;
    final java.util.List<ActorRef<HostAgent.Command>> hostAgents = new java.util.ArrayList<>();

    FleetHarness(ActorTestKit kit, Path storeFile, FleetSettings settings, LongSupplier clock) {
        this(kit, DesiredStateStore.open(storeFile), settings, clock);
    }

    FleetHarness(ActorTestKit kit, DesiredStateStore store, FleetSettings settings, LongSupplier clock) {
        this.kit = kit;
        this.store = store;
        this.settings = settings;
        this.fleet = kit.spawn(Fleet.create(settings, store, clock));
    }

    ActorRef<HostAgent.Command> addHost(String name, int cores, long memMib) {
        ActorRef<HostAgent.Command> h = kit.spawn(HostAgent.create(name, new HostResources(cores, memMib),
                settings.overCommit(), launcher, fleet));
        hostAgents.add(h);
        // the join is a message: wait until the fleet lists the host
        TestProbe<List<HostView>> p = kit.createTestProbe();
        p.awaitAssert(WAIT, () -> {
            fleet.tell(new FleetProtocol.GetHosts(p.getRef()));
            if (p.receiveMessage(WAIT).stream().noneMatch(v -> v.name().equals(name))) throw new AssertionError("host not joined");
            return null;
        });
        return h;
    }

    static VmDefinition vm(String id, int vcpus, long memMib, RestartPolicy policy, Map<String, String> labels) {
        return new VmDefinition(id, MachineConfig.DEFAULT.withVcpuCount(vcpus).withMemSizeMib(memMib), Optional.of(BOOT),
                VmDevices.NONE, labels, policy);
    }

    static VmDefinition vm(String id) {
        return vm(id, 1, 128, RestartPolicy.NEVER, Map.of());
    }

    StatusReply<VmView> create(VmDefinition d) {
        StatusReply<FleetProtocol.CreateAnswer> r = create(d, true, Optional.empty());
        return r.isSuccess() ? StatusReply.success(r.getValue().vm()) : StatusReply.error(r.getError());
    }

    StatusReply<FleetProtocol.CreateAnswer> create(VmDefinition d, boolean idFromRequest, Optional<String> idempotencyKey) {
        TestProbe<StatusReply<FleetProtocol.CreateAnswer>> p = kit.createTestProbe();
        fleet.tell(new FleetProtocol.CreateVm(d, idFromRequest, idempotencyKey, p.getRef()));
        return p.receiveMessage(WAIT);
    }

    StatusReply<VmView> configure(String id, ConfigChange change) {
        TestProbe<StatusReply<VmView>> p = kit.createTestProbe();
        fleet.tell(new FleetProtocol.Configure(id, change, p.getRef()));
        return p.receiveMessage(WAIT);
    }

    StatusReply<VmView> act(String id, FleetProtocol.Action action) {
        TestProbe<StatusReply<VmView>> p = kit.createTestProbe();
        fleet.tell(new FleetProtocol.Act(id, action, p.getRef()));
        return p.receiveMessage(WAIT);
    }

    Optional<VmView> get(String id) {
        TestProbe<Optional<VmView>> p = kit.createTestProbe();
        fleet.tell(new FleetProtocol.GetVm(id, p.getRef()));
        return p.receiveMessage(WAIT);
    }

    FleetProtocol.VmPage list(Optional<String> state, Map<String, String> labels, int offset, int limit) {
        TestProbe<FleetProtocol.VmPage> p = kit.createTestProbe();
        fleet.tell(new FleetProtocol.ListVms(state, labels, offset, limit, p.getRef()));
        return p.receiveMessage(WAIT);
    }

    List<HostView> hosts() {
        TestProbe<List<HostView>> p = kit.createTestProbe();
        fleet.tell(new FleetProtocol.GetHosts(p.getRef()));
        return p.receiveMessage(WAIT);
    }

    StatusReply<Done> delete(String id) {
        TestProbe<StatusReply<Done>> p = kit.createTestProbe();
        fleet.tell(new FleetProtocol.DeleteVm(id, p.getRef()));
        return p.receiveMessage(WAIT);
    }

    /** Waits until the VM's view satisfies {@code check}; returns that view. */
    VmView awaitVm(String id, java.util.function.Predicate<VmView> check) {
        TestProbe<Optional<VmView>> p = kit.createTestProbe();
        VmView[] seen = new VmView[1];
        p.awaitAssert(WAIT, () -> {
            fleet.tell(new FleetProtocol.GetVm(id, p.getRef()));
            Optional<VmView> v = p.receiveMessage(WAIT);
            if (v.isEmpty() || !check.test(v.get())) throw new AssertionError("VM " + id + " is " + v);
            seen[0] = v.get();
            return null;
        });
        return seen[0];
    }

    static FleetException refusal(StatusReply<?> r) {
        if (r.isSuccess()) throw new AssertionError("expected a refusal, got " + r.getValue());
        return (FleetException) r.getError();
    }

    @Override
    public void close() {
        kit.stop(fleet, WAIT);
        hostAgents.forEach(h -> kit.stop(h, WAIT));
        store.close();
    }
}
