package dev.flotilla.fleet;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/** Queries against a running fleet, for the ITs. */
final class FleetHarnessView {

    private final ActorTestKit kit;
    private final ActorRef<FleetProtocol.Command> fleet;

    FleetHarnessView(ActorTestKit kit, ActorRef<FleetProtocol.Command> fleet) {
        this.kit = kit;
        this.fleet = fleet;
    }

    VmView awaitVm(String id, Predicate<VmView> check, Duration timeout) {
        TestProbe<Optional<VmView>> p = kit.createTestProbe();
        VmView[] seen = new VmView[1];
        p.awaitAssert(timeout, Duration.ofMillis(50), () -> {
            fleet.tell(new FleetProtocol.GetVm(id, p.getRef()));
            Optional<VmView> v = p.receiveMessage(Duration.ofSeconds(10));
            if (v.isEmpty() || !check.test(v.get())) throw new AssertionError("VM " + id + " is " + v);
            seen[0] = v.get();
            return null;
        });
        return seen[0];
    }

    FleetProtocol.VmPage list(Map<String, String> labels) {
        TestProbe<FleetProtocol.VmPage> p = kit.createTestProbe();
        fleet.tell(new FleetProtocol.ListVms(Optional.empty(), labels, 0, 1000, p.getRef()));
        return p.receiveMessage(Duration.ofSeconds(10));
    }

    List<HostView> hosts() {
        TestProbe<List<HostView>> p = kit.createTestProbe();
        fleet.tell(new FleetProtocol.GetHosts(p.getRef()));
        return p.receiveMessage(Duration.ofSeconds(10));
    }
}
