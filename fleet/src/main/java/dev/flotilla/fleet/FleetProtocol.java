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

    /**
     * POST /vms — the burst path: admit (token bucket), place, persist and boot in one call. Idempotent: a
     * repeat of a creation (the same id, or the same {@code idempotencyKey}, with the same definition) is
     * answered with that VM ({@link CreateAnswer#repeated()}); the same id or key with another definition is a
     * CONFLICT. The answer comes once the VM runs, or — if its start takes longer than the fleet's
     * {@code answer-start-within} — once it is durable and starting (state STARTING): the VM keeps starting.
     *
     * @param idFromRequest   whether the id was the client's (false: the API made one up for an id-less body,
     *                        so a repeat under the same key matches whatever id the first request got)
     * @param idempotencyKey  the client's Idempotency-Key, remembered with the VM (durably) while it exists
     */
    public record CreateVm(VmDefinition definition, boolean idFromRequest, Optional<String> idempotencyKey,
                           ActorRef<StatusReply<CreateAnswer>> replyTo) implements Command {

        public CreateVm {
            idempotencyKey.ifPresent(FleetProtocol::checkIdempotencyKey);
        }

        /** A creation with the client's own id and no Idempotency-Key. */
        public CreateVm(VmDefinition definition, ActorRef<StatusReply<CreateAnswer>> replyTo) {
            this(definition, true, Optional.empty(), replyTo);
        }
    }

    /**
     * The answer to a CreateVm: the VM (running, or still starting when its start outlasted
     * {@code answer-start-within}); {@code repeated} when the request repeated an earlier creation.
     */
    public record CreateAnswer(VmView vm, boolean repeated) {}

    /** Longest Idempotency-Key taken. */
    public static final int MAX_IDEMPOTENCY_KEY = 255;

    /** 1 to {@value #MAX_IDEMPOTENCY_KEY} visible ASCII characters; else InvalidConfigException. */
    public static void checkIdempotencyKey(String key) {
        boolean ok = key != null && !key.isEmpty() && key.length() <= MAX_IDEMPOTENCY_KEY
                && key.chars().allMatch(c -> c > 0x20 && c < 0x7f);
        if (!ok) {
            throw new dev.flotilla.vm.config.InvalidConfigException("Idempotency-Key", "the Idempotency-Key must be 1 to "
                    + MAX_IDEMPOTENCY_KEY + " visible ASCII characters (a UUID is a good key)");
        }
    }

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
