package dev.flotilla.api;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Scheduler;
import akka.actor.typed.javadsl.AskPattern;
import dev.flotilla.fleet.BalloonStatistics;
import dev.flotilla.fleet.ConfigChange;
import dev.flotilla.fleet.FleetProtocol;
import dev.flotilla.fleet.HostView;
import dev.flotilla.fleet.VmDefinition;
import dev.flotilla.fleet.VmView;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The API's asks to the fleet actor, each bounded by the ask timeout (a late answer becomes a 503). A
 * {@code StatusReply.error(FleetException)} fails the stage with that FleetException. Thread-safe.
 */
public final class FleetClient {

    private final ActorRef<FleetProtocol.Command> fleet;
    private final Scheduler scheduler;
    private final Duration timeout;

    public FleetClient(ActorRef<FleetProtocol.Command> fleet, Scheduler scheduler, Duration timeout) {
        this.fleet = fleet;
        this.scheduler = scheduler;
        this.timeout = timeout;
    }

    /** @see FleetProtocol.CreateVm */
    public CompletionStage<FleetProtocol.CreateAnswer> create(VmDefinition d, boolean idFromRequest, Optional<String> idempotencyKey) {
        return AskPattern.askWithStatus(fleet, r -> new FleetProtocol.CreateVm(d, idFromRequest, idempotencyKey, r), timeout, scheduler);
    }

    public CompletionStage<VmView> configure(String id, ConfigChange change) {
        return AskPattern.askWithStatus(fleet, r -> new FleetProtocol.Configure(id, change, r), timeout, scheduler);
    }

    public CompletionStage<VmView> act(String id, FleetProtocol.Action action) {
        return AskPattern.askWithStatus(fleet, r -> new FleetProtocol.Act(id, action, r), timeout, scheduler);
    }

    public CompletionStage<Optional<VmView>> find(String id) {
        return AskPattern.ask(fleet, r -> new FleetProtocol.GetVm(id, r), timeout, scheduler);
    }

    /** The VM, or a 404 naming it. */
    public CompletionStage<VmView> get(String id) {
        return find(id).thenApply(v -> v.orElseThrow(() -> ApiFault.notFound("VM '" + id + "' does not exist: GET /vms lists the VMs")));
    }

    public CompletionStage<FleetProtocol.VmPage> list(Optional<String> state, Map<String, String> labels, int offset, int limit) {
        return AskPattern.ask(fleet, r -> new FleetProtocol.ListVms(state, labels, offset, limit, r), timeout, scheduler);
    }

    public CompletionStage<Done> delete(String id) {
        return AskPattern.askWithStatus(fleet, r -> new FleetProtocol.DeleteVm(id, r), timeout, scheduler);
    }

    public CompletionStage<List<HostView>> hosts() {
        return AskPattern.ask(fleet, FleetProtocol.GetHosts::new, timeout, scheduler);
    }

    public CompletionStage<BalloonStatistics> balloonStats(String id) {
        return AskPattern.askWithStatus(fleet, r -> new FleetProtocol.GetBalloonStats(id, r), timeout, scheduler);
    }
}
