package dev.flotilla.ops.metrics;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.pattern.StatusReply;
import dev.flotilla.fleet.FleetException;
import dev.flotilla.fleet.FleetProtocol;
import dev.flotilla.fleet.FleetStats;
import dev.flotilla.fleet.HostView;
import dev.flotilla.fleet.MetricsConfig;
import dev.flotilla.fleet.VmView;
import dev.flotilla.vm.MicroVm;
import dev.flotilla.vm.VmInfo;
import dev.flotilla.vm.devices.VirtioDeviceActor;
import dev.flotilla.vm.vcpu.VcpuLoop;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import dev.flotilla.kvm.hostfs.FileUse;
import dev.flotilla.kvm.hostfs.HostFile;
import dev.flotilla.kvm.hostfs.HostFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Reads the live VMs and the fleet into Kamon, and writes each VM's Firecracker-style metrics lines.
 *
 * <ul>
 *   <li>Every VM the host agent launches is announced here ({@link ObservedVmLauncher}); the collector
 *       watches it and subscribes to its state changes (state gauge, boot-time histogram once per run).</li>
 *   <li>Every poll interval it asks each live VM for its vCPU exits and device counters, and the fleet for
 *       its counters and hosts.</li>
 *   <li>Every Firecracker flush interval, and on {@link Flush} (the FlushMetrics action), it appends one
 *       {@link FirecrackerMetricsLine} to the {@code metrics_path} of each VM that has one — on the blocking
 *       dispatcher. Each write opens the file again beneath its root ({@link HostFiles}: no link followed, a
 *       regular file or a FIFO only, non-blocking, created 0600 if missing), so a file swapped for a link since
 *       the last flush is refused, not written through; a FIFO without a reader or full is an error, not a
 *       blocked thread.</li>
 * </ul>
 */
public final class VmMetricsCollector extends AbstractBehavior<VmMetricsCollector.Command> {

    public sealed interface Command permits VmLaunched, Flush, Tick, FlushTick, InfoChanged, VmGone, ExitsRead,
            DevicesRead, FleetRead, HostsRead, FlushReady {}

    /** A MicroVm actor was spawned for VM {@code id} (a new run: a restart announces the new actor). */
    public record VmLaunched(String id, ActorRef<MicroVm.Command> vm) implements Command {}

    /** Write VM {@code id}'s metrics line now (Firecracker's FlushMetrics); answers once it is written. */
    public record Flush(String id, ActorRef<StatusReply<Done>> replyTo) implements Command {}

    private enum Tick implements Command { INSTANCE }
    private enum FlushTick implements Command { INSTANCE }
    private record InfoChanged(VmInfo info) implements Command {}
    private record VmGone(String id, ActorRef<MicroVm.Command> vm) implements Command {}
    private record ExitsRead(String id, MicroVm.VcpuExits exits) implements Command {}
    private record DevicesRead(String id, List<VirtioDeviceActor.DeviceMetrics> devices) implements Command {}
    private record FleetRead(FleetStats stats) implements Command {}
    private record HostsRead(List<HostView> hosts) implements Command {}
    private record FlushReady(String id, Optional<VmView> view, MicroVm.VcpuExits exits,
                              List<VirtioDeviceActor.DeviceMetrics> devices, ActorRef<StatusReply<Done>> replyTo,
                              Throwable error) implements Command {}

    private static final Duration ASK = Duration.ofSeconds(5);
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(VmMetricsCollector.class);

    private static final class Live {
        final ActorRef<MicroVm.Command> vm;
        final VmInstruments instruments;
        boolean bootRecorded;

        Live(String id, ActorRef<MicroVm.Command> vm) {
            this.vm = vm;
            this.instruments = new VmInstruments(id);
        }
    }

    private final ActorRef<FleetProtocol.Command> fleet;
    private final Map<String, Live> live = new HashMap<>();
    private final Map<String, FirecrackerMetricsLine> lines = new HashMap<>();
    private final FleetInstruments fleetInstruments = new FleetInstruments();
    private final ActorRef<VmInfo> infoAdapter;
    private final Executor files;
    private final HostFiles hostFiles;

    /** Metrics files opened as named ({@link HostFiles#unconfined()}): for tests whose paths come from the test. */
    public static Behavior<Command> create(ActorRef<FleetProtocol.Command> fleet, Duration pollInterval,
                                           Duration firecrackerFlushInterval) {
        return create(fleet, pollInterval, firecrackerFlushInterval, HostFiles.unconfined());
    }

    /** @param hostFiles the allowed roots metrics files are opened beneath, at every write */
    public static Behavior<Command> create(ActorRef<FleetProtocol.Command> fleet, Duration pollInterval,
                                           Duration firecrackerFlushInterval, HostFiles hostFiles) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            timers.startTimerWithFixedDelay(Tick.INSTANCE, pollInterval);
            timers.startTimerWithFixedDelay(FlushTick.INSTANCE, firecrackerFlushInterval);
            return new VmMetricsCollector(ctx, fleet, hostFiles);
        }));
    }

    private VmMetricsCollector(ActorContext<Command> ctx, ActorRef<FleetProtocol.Command> fleet, HostFiles hostFiles) {
        super(ctx);
        this.fleet = fleet;
        this.hostFiles = hostFiles;
        this.infoAdapter = ctx.messageAdapter(VmInfo.class, InfoChanged::new);
        this.files = ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(VmLaunched.class, this::onLaunched)
                .onMessage(InfoChanged.class, this::onInfo)
                .onMessage(VmGone.class, this::onGone)
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .onMessage(ExitsRead.class, m -> {
                    Live l = live.get(m.id());
                    if (l != null) l.instruments.vcpuExits(m.exits().counts());
                    return this;
                })
                .onMessage(DevicesRead.class, m -> {
                    Live l = live.get(m.id());
                    if (l != null) m.devices().forEach(l.instruments::device);
                    return this;
                })
                .onMessage(FleetRead.class, m -> {
                    fleetInstruments.stats(m.stats());
                    return this;
                })
                .onMessage(HostsRead.class, m -> {
                    fleetInstruments.hosts(m.hosts());
                    return this;
                })
                .onMessageEquals(FlushTick.INSTANCE, () -> {
                    live.keySet().forEach(id -> prepareFlush(id, null));
                    return this;
                })
                .onMessage(Flush.class, m -> {
                    prepareFlush(m.id(), m.replyTo());
                    return this;
                })
                .onMessage(FlushReady.class, this::onFlushReady)
                .build();
    }

    private Behavior<Command> onLaunched(VmLaunched m) {
        Live before = live.put(m.id(), new Live(m.id(), m.vm()));
        if (before != null) before.instruments.remove();
        getContext().watchWith(m.vm(), new VmGone(m.id(), m.vm()));
        m.vm().tell(new MicroVm.Subscribe(infoAdapter));
        return this;
    }

    private Behavior<Command> onInfo(InfoChanged m) {
        Live l = live.get(m.info().id());
        if (l == null) return this;
        l.instruments.state(m.info().state());
        if (!l.bootRecorded && m.info().bootMs() >= 0) {
            l.bootRecorded = true;
            l.instruments.bootTime(m.info().bootMs());
        }
        return this;
    }

    private Behavior<Command> onGone(VmGone m) {
        Live l = live.get(m.id());
        if (l != null && l.vm.equals(m.vm())) {
            l.instruments.remove();
            live.remove(m.id());
            lines.remove(m.id());
        }
        return this;
    }

    private Behavior<Command> onTick() {
        live.forEach((id, l) -> {
            getContext().ask(MicroVm.VcpuExits.class, l.vm, ASK, MicroVm.GetVcpuExits::new,
                    (exits, err) -> exits != null ? new ExitsRead(id, exits) : new ExitsRead(id, new MicroVm.VcpuExits(id, Map.of())));
            @SuppressWarnings("unchecked")
            Class<List<VirtioDeviceActor.DeviceMetrics>> listClass = (Class<List<VirtioDeviceActor.DeviceMetrics>>) (Class<?>) List.class;
            getContext().ask(listClass, l.vm, ASK, MicroVm.GetDeviceMetrics::new,
                    (devices, err) -> new DevicesRead(id, devices != null ? devices : List.of()));
        });
        getContext().ask(FleetStats.class, fleet, ASK, FleetProtocol.GetStats::new,
                (stats, err) -> stats != null ? new FleetRead(stats) : new FleetRead(null));
        @SuppressWarnings("unchecked")
        Class<List<HostView>> hostList = (Class<List<HostView>>) (Class<?>) List.class;
        getContext().ask(hostList, fleet, ASK, FleetProtocol.GetHosts::new,
                (hosts, err) -> new HostsRead(hosts != null ? hosts : List.of()));
        return this;
    }

    /** Gathers what one line needs (the fleet's view for metrics_path, the VM's counters), then {@link FlushReady}. */
    private void prepareFlush(String id, ActorRef<StatusReply<Done>> replyTo) {
        var scheduler = getContext().getSystem().scheduler();
        CompletionStage<Optional<VmView>> view = AskPattern.ask(fleet, r -> new FleetProtocol.GetVm(id, r), ASK, scheduler);
        Live l = live.get(id);
        CompletionStage<MicroVm.VcpuExits> exits = l == null
                ? CompletableFuture.completedFuture(new MicroVm.VcpuExits(id, Map.of()))
                : AskPattern.ask(l.vm, MicroVm.GetVcpuExits::new, ASK, scheduler);
        CompletionStage<List<VirtioDeviceActor.DeviceMetrics>> devices = l == null
                ? CompletableFuture.completedFuture(List.of())
                : AskPattern.ask(l.vm, MicroVm.GetDeviceMetrics::new, ASK, scheduler);
        CompletionStage<FlushReady> ready = view.thenCompose(v -> exits.thenCombine(devices,
                (e, d) -> new FlushReady(id, v, e, d, replyTo, null)));
        getContext().pipeToSelf(ready, (r, err) -> r != null ? r
                : new FlushReady(id, Optional.empty(), null, List.of(), replyTo, err));
    }

    private Behavior<Command> onFlushReady(FlushReady m) {
        if (m.error() != null) {
            fail(m.replyTo(), new FleetException(FleetException.Kind.INTERNAL, "FlushMetrics for VM '" + m.id()
                    + "' could not read its counters: " + m.error().getMessage() + "; try again"));
            return this;
        }
        Optional<MetricsConfig> config = m.view().flatMap(v -> v.definition().metrics());
        if (config.isEmpty()) {
            if (m.replyTo() != null) {
                fail(m.replyTo(), new FleetException(FleetException.Kind.INVALID, "VM '" + m.id() + "' has no metrics_path: "
                        + "PUT /vms/" + m.id() + "/metrics {\"metrics_path\": ...} before InstanceStart to have its metrics flushed"));
            }
            return this;
        }
        VmView v = m.view().get();
        String line = lines.computeIfAbsent(m.id(), k -> new FirecrackerMetricsLine())
                .next(System.currentTimeMillis(), VmInstruments.name(v.state()), v.bootMs(),
                        m.exits() == null ? Map.<VcpuLoop.ExitKind, Long>of() : m.exits().counts(), m.devices());
        Path path = config.get().metricsPath();
        ActorRef<StatusReply<Done>> replyTo = m.replyTo();
        CompletableFuture.runAsync(() -> append(path, line), files).whenComplete((ok, err) -> {
            if (err == null) {
                if (replyTo != null) replyTo.tell(StatusReply.ack());
            } else {
                LOG.warn("metrics of VM {} not written to {}: {}", m.id(), path, err.getMessage());
                if (replyTo != null) {
                    replyTo.tell(StatusReply.error(new FleetException(FleetException.Kind.INTERNAL, "FlushMetrics for VM '"
                            + m.id() + "' could not write " + path + ": " + rootMessage(err) + "; check the file and its directory")));
                }
            }
        });
        return this;
    }

    private void append(Path path, String line) {
        try (HostFile f = hostFiles.open(path, FileUse.METRICS)) {
            f.append((line + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) t = t.getCause();
        return t.toString();
    }

    private static void fail(ActorRef<StatusReply<Done>> replyTo, FleetException e) {
        if (replyTo != null) replyTo.tell(StatusReply.error(e));
    }
}
