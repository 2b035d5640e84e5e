package dev.flotilla.fleet;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.pattern.StatusReply;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The messages the fleet actor takes: everything the API can ask of it. Failures come back as
 * {@code StatusReply.error(FleetException)}, whose kind the API maps to an HTTP status in one place.
 */
public final class FleetProtocol {

    private FleetProtocol() {}

    public interface Command {}

    /** POST /vms — the burst path: admit (token bucket), place, persist and boot in one call. */
    public record CreateVm(VmDefinition definition, ActorRef<StatusReply<VmView>> replyTo) implements Command {}

    /** A per-VM configuration change; creates the (not yet started) VM if the id is new and the change is pre-boot. */
    public record Configure(String id, ConfigChange change, ActorRef<StatusReply<VmView>> replyTo) implements Command {}

    /** Per-VM actions: Firecracker's InstanceStart, SendCtrlAltDel, FlushMetrics, and PATCH /vm Paused/Resumed. */
    public enum Action { INSTANCE_START, SEND_CTRL_ALT_DEL, FLUSH_METRICS, PAUSE, RESUME }

    public record Act(String id, Action action, ActorRef<StatusReply<VmView>> replyTo) implements Command {}

    public record GetVm(String id, ActorRef<Optional<VmView>> replyTo) implements Command {}

    /**
     * GET /vms: filter by state (Flotilla's VmState name, case-insensitive; empty = any) and labels (all must
     * match), ordered by id, one page.
     */
    public record ListVms(Optional<String> state, Map<String, String> labels, int offset, int limit,
                          ActorRef<VmPage> replyTo) implements Command {}

    public record VmPage(List<VmView> items, int total, int offset, int limit) {}

    /** DELETE /vms/{id}: stop it (if running), release it, forget its desired state. */
    public record DeleteVm(String id, ActorRef<StatusReply<Done>> replyTo) implements Command {}

    public record GetHosts(ActorRef<List<HostView>> replyTo) implements Command {}

    /**
     * GET /vms/{id}/balloon/statistics on a running VM. Errors: NOT_FOUND; INVALID when there is no balloon or
     * its statistics are off (stats_polling_interval_s 0); NOT_ALLOWED_IN_STATE before boot.
     */
    public record GetBalloonStats(String id, ActorRef<StatusReply<BalloonStatistics>> replyTo) implements Command {}

    /** Every VM state change from now on (for SSE); the subscriber is dropped when it terminates. */
    public record Subscribe(ActorRef<VmEvent> subscriber) implements Command {}

    public record Unsubscribe(ActorRef<VmEvent> subscriber) implements Command {}

    /** Counters for the metrics endpoint (admitted, refused, VMs by state, store batching). */
    public record GetStats(ActorRef<FleetStats> replyTo) implements Command {}
}
