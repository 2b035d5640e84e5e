package dev.flotilla.fleet;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.pattern.StatusReply;
import dev.flotilla.vm.EndReason;
import dev.flotilla.vm.MicroVm;
import dev.flotilla.vm.VmState;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The fleet's record of one VM: desired state, where it runs and its live state. Mutable, owned by the
 * fleet actor only.
 */
final class VmEntry {

    VmDefinition definition;
    final Instant createdAt;
    /** Firecracker's boundary: once started, only post-boot changes and actions apply. */
    boolean started;
    /** Desired state: boot it (again) whenever it is not running, unless the restart policy says otherwise. */
    boolean shouldRun;

    VmState state = VmState.CONFIGURING;
    EndReason endReason;
    double bootMs = -1;
    int restarts;

    /** The fleet's number for the current boot; reports of other runs are stale. */
    long run;
    long runStartedNanos;
    int quickRestarts;
    boolean restartPending;
    /** Waiting for a host with room (recovery, restart): placed as soon as capacity appears. */
    boolean awaitingPlacement;
    /** The current run's start is being recorded in the store; the host is told once it is durable. */
    boolean startPending;
    /** The store counts the current run's start as begun and not settled (neither running nor ended yet). */
    boolean startUnsettled;
    /** Created by POST /vms and not durable yet: a repeat waits for the first request's outcome. */
    boolean creationPending;
    /** The store row written by the creation counts the first start already (the create is its start). */
    boolean startCountedByCreation;

    /** The POST /vms that created it, in this process: repeats are compared with it (record equality). */
    VmDefinition creationRequest;
    /** The stored fingerprint of the POST /vms that created it, before a restart of the fleet. */
    String creationFingerprint;
    /** The Idempotency-Key of the POST /vms that created it. */
    Optional<String> idempotencyKey = Optional.empty();

    /** A configuration change is between its start and its answer; later ones wait in {@code queuedChanges}. */
    boolean changeInFlight;
    final ArrayDeque<FleetProtocol.Configure> queuedChanges = new ArrayDeque<>();

    /** The host holding this VM's reservation (from placement until the run ends), and what is reserved. */
    String host;
    int reservedVcpus;
    long reservedMemMib;
    /** The MicroVm of the current run, once the host reported it. */
    ActorRef<MicroVm.Command> vm;

    /** Requests (creation, InstanceStart) answered when the run is live, ends, or is accepted as starting. */
    final List<Consumer<StatusReply<VmView>>> awaitingRunning = new ArrayList<>();

    boolean deleting;
    boolean awaitingStop;
    boolean deleteDurable;
    final List<ActorRef<StatusReply<Done>>> awaitingDelete = new ArrayList<>();

    /** @param createdAt kept to the millisecond, as the store keeps it */
    VmEntry(VmDefinition definition, Instant createdAt) {
        this.definition = definition;
        this.createdAt = createdAt.truncatedTo(ChronoUnit.MILLIS);
    }

    String id() {
        return definition.id();
    }

    boolean reserved() {
        return host != null;
    }

    /** The guest is live (running or paused) on its host. */
    boolean live() {
        return state == VmState.RUNNING || state == VmState.PAUSED;
    }

    /** A run is under way on a host: started, live or stopping. */
    boolean onHost() {
        return vm != null && !state.terminal();
    }

    /** Answers everyone waiting for the current run to be live, and forgets them. */
    void answerAwaitingRunning(StatusReply<VmView> reply) {
        awaitingRunning.forEach(r -> r.accept(reply));
        awaitingRunning.clear();
    }

    /** Waits for the run to be live (or to end, or to be accepted as starting). */
    void awaitRunning(ActorRef<StatusReply<VmView>> replyTo) {
        awaitingRunning.add(replyTo::tell);
    }

    /** Answers everyone waiting for the deletion to finish, and forgets them. */
    void answerAwaitingDelete(StatusReply<Done> reply) {
        answerAll(awaitingDelete, reply);
    }

    private static <T> void answerAll(List<ActorRef<StatusReply<T>>> waiting, StatusReply<T> reply) {
        waiting.forEach(r -> r.tell(reply));
        waiting.clear();
    }

    /** The fleet's timer that answers the requests still waiting for this VM's run to become live. */
    String startTimerKey() {
        return "start-" + id();
    }

    /** The fleet's timer for this VM's next restart. */
    String restartTimerKey() {
        return "restart-" + id();
    }

    VmView view() {
        return new VmView(definition, state, Optional.ofNullable(endReason), Optional.ofNullable(host), bootMs, restarts,
                createdAt);
    }
}
