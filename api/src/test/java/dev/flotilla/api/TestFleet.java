package dev.flotilla.api;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.pattern.StatusReply;
import dev.flotilla.fleet.BalloonStatistics;
import dev.flotilla.fleet.FleetException;
import dev.flotilla.fleet.FleetException.Kind;
import dev.flotilla.fleet.FleetProtocol;
import dev.flotilla.fleet.FleetProtocol.Action;
import dev.flotilla.fleet.HostView;
import dev.flotilla.fleet.VmDefinition;
import dev.flotilla.fleet.VmEvent;
import dev.flotilla.fleet.VmView;
import dev.flotilla.vm.VmState;
import dev.flotilla.vm.config.InvalidConfigException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * An in-memory fleet for route tests: a registry with Firecracker's pre-/post-boot rules, and a few labels that
 * make it refuse as the real fleet can ({@code test=rate-limited} → 429, {@code test=no-capacity} → 507,
 * {@code test=silent} → no answer, {@code test=slow} → answered while still starting). It unit-tests the API's logic, not the fleet's.
 */
final class TestFleet extends AbstractBehavior<FleetProtocol.Command> {

    static final String NOT_SUPPORTED_BEFORE_BOOT = "The requested operation is not supported before starting the microVM.";
    static final String NOT_SUPPORTED_AFTER_BOOT = "The requested operation is not supported after starting the microVM.";

    private final Map<String, VmView> vms = new TreeMap<>();
    private final Set<ActorRef<VmEvent>> subscribers = new HashSet<>();
    private final Map<String, String> keys = new TreeMap<>();
    private long sequence;

    static Behavior<FleetProtocol.Command> create() {
        return Behaviors.setup(TestFleet::new);
    }

    private TestFleet(ActorContext<FleetProtocol.Command> ctx) {
        super(ctx);
    }

    @Override
    public Receive<FleetProtocol.Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(FleetProtocol.CreateVm.class, this::onCreate)
                .onMessage(FleetProtocol.Configure.class, this::onConfigure)
                .onMessage(FleetProtocol.Act.class, this::onAct)
                .onMessage(FleetProtocol.GetVm.class, m -> reply(m.replyTo(), Optional.ofNullable(vms.get(m.id()))))
                .onMessage(FleetProtocol.ListVms.class, this::onList)
                .onMessage(FleetProtocol.DeleteVm.class, this::onDelete)
                .onMessage(FleetProtocol.GetHosts.class, m -> reply(m.replyTo(),
                        List.of(new HostView("local", 4, 8192, vcpusAllocated(), memAllocated(), vms.size(), "kvm_pvm",
                                4, 10240, 2048, 6000, 1.5, null))))
                .onMessage(FleetProtocol.GetBalloonStats.class, this::onBalloonStats)
                .onMessage(FleetProtocol.Subscribe.class, m -> {
                    subscribers.add(m.subscriber());
                    return this;
                })
                .onMessage(FleetProtocol.Unsubscribe.class, m -> {
                    subscribers.remove(m.subscriber());
                    return this;
                })
                .build();
    }

    private Behavior<FleetProtocol.Command> onCreate(FleetProtocol.CreateVm m) {
        VmDefinition d = m.definition();
        String test = d.labels().getOrDefault("test", "");
        switch (test) {
            case "silent":
                return this;
            case "rate-limited":
                return reply(m.replyTo(), StatusReply.error(new FleetException(Kind.RATE_LIMITED,
                        "over the creation rate of 100 VMs/s: retry after the Retry-After delay", Duration.ofMillis(1500))));
            case "no-capacity":
                return reply(m.replyTo(), StatusReply.error(new FleetException(Kind.NO_CAPACITY, "no host has 64 free vCPUs")));
            case "internal":
                return reply(m.replyTo(), StatusReply.error(new FleetException(Kind.INTERNAL, "host agent failed: check /dev/kvm")));
            default:
                break;
        }
        // the fleet's repeat rule: the same id (or Idempotency-Key) with the same definition is the same creation
        Optional<VmView> byKey = m.idempotencyKey().map(keys::get).map(vms::get);
        VmView existing = byKey.orElse(vms.get(d.id()));
        if (existing != null) {
            boolean sameId = !m.idFromRequest() || existing.id().equals(d.id());
            if (sameId && existing.definition().equals(d.withId(existing.id()))) {
                return reply(m.replyTo(), StatusReply.success(new FleetProtocol.CreateAnswer(existing, true)));
            }
            return reply(m.replyTo(), StatusReply.error(new FleetException(Kind.CONFLICT, "VM '" + existing.id()
                    + "' already exists with another configuration")));
        }
        if (!d.bootable()) {
            return reply(m.replyTo(), StatusReply.error(new FleetException(Kind.INVALID, "VM '" + d.id() + "' has no boot source")));
        }
        m.idempotencyKey().ifPresent(k -> keys.put(k, d.id()));
        // test=slow: the start outlasts the fleet's answer-start-within, so the answer is the VM still starting
        VmState state = test.equals("slow") ? VmState.STARTING : VmState.RUNNING;
        return reply(m.replyTo(), StatusReply.success(new FleetProtocol.CreateAnswer(put(new VmView(d, state, Optional.empty(),
                Optional.of("local"), 12.5, 0, Instant.now())), false)));
    }

    private Behavior<FleetProtocol.Command> onConfigure(FleetProtocol.Configure m) {
        VmView v = vms.get(m.id());
        boolean live = m.change().allowedAfterBoot();
        try {
            if (v == null) {
                if (live) return refuse(m.replyTo(), Kind.NOT_FOUND, "VM '" + m.id() + "' does not exist");
                return reply(m.replyTo(), StatusReply.success(put(new VmView(m.change().applyTo(VmDefinition.empty(m.id())),
                        VmState.CONFIGURING, Optional.empty(), Optional.empty(), -1, 0, Instant.now()))));
            }
            if (v.state() == VmState.CONFIGURING && live) return refuse(m.replyTo(), Kind.NOT_ALLOWED_IN_STATE, NOT_SUPPORTED_BEFORE_BOOT);
            if (v.state() != VmState.CONFIGURING && !live) return refuse(m.replyTo(), Kind.NOT_ALLOWED_IN_STATE, NOT_SUPPORTED_AFTER_BOOT);
            return reply(m.replyTo(), StatusReply.success(put(with(v, m.change().applyTo(v.definition()), v.state()))));
        } catch (InvalidConfigException e) {
            return refuse(m.replyTo(), Kind.INVALID, e.getMessage());
        }
    }

    private Behavior<FleetProtocol.Command> onAct(FleetProtocol.Act m) {
        VmView v = vms.get(m.id());
        if (v == null) return refuse(m.replyTo(), Kind.NOT_FOUND, "VM '" + m.id() + "' does not exist");
        VmState s = v.state();
        Action a = m.action();
        if (a == Action.INSTANCE_START) {
            if (s != VmState.CONFIGURING) return refuse(m.replyTo(), Kind.NOT_ALLOWED_IN_STATE, NOT_SUPPORTED_AFTER_BOOT);
            if (!v.definition().bootable()) {
                return refuse(m.replyTo(), Kind.INVALID, "Cannot start microvm without kernel configuration: PUT /vms/" + m.id() + "/boot-source first");
            }
            return reply(m.replyTo(), StatusReply.success(put(with(v, v.definition(), VmState.RUNNING))));
        }
        if (s == VmState.CONFIGURING) return refuse(m.replyTo(), Kind.NOT_ALLOWED_IN_STATE, NOT_SUPPORTED_BEFORE_BOOT);
        if (a == Action.PAUSE && s != VmState.RUNNING) return refuse(m.replyTo(), Kind.NOT_ALLOWED_IN_STATE, "the VM is not running, so it cannot be paused");
        if (a == Action.RESUME && s != VmState.PAUSED) return refuse(m.replyTo(), Kind.NOT_ALLOWED_IN_STATE, "the VM is not paused, so it cannot be resumed");
        VmState next = a == Action.PAUSE ? VmState.PAUSED : a == Action.RESUME ? VmState.RUNNING : s;
        return reply(m.replyTo(), StatusReply.success(next == s ? v : put(with(v, v.definition(), next))));
    }

    private Behavior<FleetProtocol.Command> onList(FleetProtocol.ListVms m) {
        List<VmView> matching = vms.values().stream()
                .filter(v -> m.state().map(s -> v.state().name().equalsIgnoreCase(s)).orElse(true))
                .filter(v -> m.labels().entrySet().stream().allMatch(e -> e.getValue().equals(v.definition().labels().get(e.getKey()))))
                .toList();
        List<VmView> page = matching.stream().skip(m.offset()).limit(m.limit()).toList();
        return reply(m.replyTo(), new FleetProtocol.VmPage(page, matching.size(), m.offset(), m.limit()));
    }

    private Behavior<FleetProtocol.Command> onDelete(FleetProtocol.DeleteVm m) {
        VmView v = vms.remove(m.id());
        if (v == null) return reply(m.replyTo(), StatusReply.error(new FleetException(Kind.NOT_FOUND, "VM '" + m.id() + "' does not exist")));
        publish(with(v, v.definition(), VmState.STOPPED));
        return reply(m.replyTo(), StatusReply.success(Done.getInstance()));
    }

    private Behavior<FleetProtocol.Command> onBalloonStats(FleetProtocol.GetBalloonStats m) {
        VmView v = vms.get(m.id());
        if (v == null) return reply(m.replyTo(), StatusReply.error(new FleetException(Kind.NOT_FOUND, "VM '" + m.id() + "' does not exist")));
        if (v.state() == VmState.CONFIGURING) {
            return reply(m.replyTo(), StatusReply.error(new FleetException(Kind.NOT_ALLOWED_IN_STATE, NOT_SUPPORTED_BEFORE_BOOT)));
        }
        long mib = v.definition().devices().balloon().orElseThrow().amountMib();
        return reply(m.replyTo(), StatusReply.success(new BalloonStatistics(mib * 256, mib * 256, mib, mib, Map.of("free_memory", 1024L))));
    }

    private <T> Behavior<FleetProtocol.Command> refuse(ActorRef<StatusReply<T>> to, Kind kind, String message) {
        return reply(to, StatusReply.error(new FleetException(kind, message)));
    }

    private <T> Behavior<FleetProtocol.Command> reply(ActorRef<T> to, T message) {
        to.tell(message);
        return this;
    }

    private VmView put(VmView v) {
        vms.put(v.id(), v);
        publish(v);
        return v;
    }

    private void publish(VmView v) {
        VmEvent e = new VmEvent(++sequence, Instant.now(), v);
        subscribers.forEach(s -> s.tell(e));
    }

    private static VmView with(VmView v, VmDefinition d, VmState s) {
        return new VmView(d, s, v.endReason(), v.host(), v.bootMs(), v.restarts(), v.createdAt());
    }

    private int vcpusAllocated() {
        return vms.values().stream().mapToInt(v -> v.definition().machineConfig().vcpuCount()).sum();
    }

    private long memAllocated() {
        return vms.values().stream().mapToLong(v -> v.definition().machineConfig().memSizeMib()).sum();
    }
}
