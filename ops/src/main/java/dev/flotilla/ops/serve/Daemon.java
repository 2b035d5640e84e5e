package dev.flotilla.ops.serve;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.http.javadsl.ServerBinding;
import com.typesafe.config.Config;
import dev.flotilla.api.ApiServer;
import dev.flotilla.api.ApiSettings;
import dev.flotilla.fleet.FleetSettings;
import dev.flotilla.fleet.host.HostMemorySettings;
import dev.flotilla.vm.console.ConsoleFileWriter;
import dev.flotilla.fleet.store.DesiredStateStore;
import dev.flotilla.kvm.Kvm;
import dev.flotilla.vm.pool.VmPool;
import dev.flotilla.kvm.KvmAvailability;
import dev.flotilla.ops.ProbeGuestImage;
import java.net.InetSocketAddress;
import dev.flotilla.kvm.hostfs.HostFileException;
import dev.flotilla.kvm.hostfs.HostFiles;
import dev.flotilla.kvm.hostfs.HostRoot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kamon.Kamon;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Flotilla daemon: Kamon, the desired-state store, the JVM's {@link Kvm}, the ActorSystem
 * ({@link DaemonGuardian}: fleet, host agent, metrics) and the API server. {@link #start} returns once the
 * API is bound; {@link #close} is the orderly stop (SIGTERM): unbind the API, stop the fleet, release every
 * VM — keeping the desired state, so the next start boots the same VMs again — then the ActorSystem, the
 * store, KVM and Kamon. After a {@code kill -9} the store alone brings the VMs back.
 */
public final class Daemon implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    private final ServeSettings settings;
    private final ActorSystem<DaemonGuardian.Command> system;
    private final DesiredStateStore store;
    private final Kvm kvm;
    private final Optional<VmPool> pool;
    private final Optional<ConsoleFileWriter> consoleFiles;
    private final ServerBinding binding;
    private final String metricsUrl;
    private final HostFiles files;
    private boolean closed;

    private Daemon(ServeSettings settings, ActorSystem<DaemonGuardian.Command> system, DesiredStateStore store, Kvm kvm,
                   Optional<VmPool> pool, Optional<ConsoleFileWriter> consoleFiles, ServerBinding binding, String metricsUrl,
                   HostFiles files) {
        this.pool = pool;
        this.consoleFiles = consoleFiles;
        this.files = files;
        this.settings = settings;
        this.system = system;
        this.store = store;
        this.kvm = kvm;
        this.binding = binding;
        this.metricsUrl = metricsUrl;
    }

    /**
     * Starts everything and binds the API.
     *
     * @throws IllegalStateException saying what to do when KVM is unusable, the store is locked or the port taken
     */
    public static Daemon start(Config config) {
        ServeSettings serve = ServeSettings.fromConfig(config);
        FleetSettings fleetSettings = FleetSettings.fromConfig(config);
        HostMemorySettings hostMemory = HostMemorySettings.fromConfig(config);
        checkAnswerTimes(fleetSettings, ApiSettings.fromConfig(config));
        ApiSettings api = withProbeRoot(ApiSettings.fromConfig(config));
        KvmAvailability kvmState = Kvm.availability();
        if (!kvmState.usable()) {
            throw new IllegalStateException("flotilla serve needs a usable /dev/kvm: " + kvmState.describe());
        }
        // Kamon first: instruments made while the actors start must already have their reporters
        Kamon.initWithoutAttaching(config);
        String metricsUrl = "http://" + config.getString("kamon.prometheus.embedded-server.hostname") + ":"
                + config.getInt("kamon.prometheus.embedded-server.port")
                + config.getString("kamon.prometheus.embedded-server.metrics-path");
        serve.oomScoreAdj().ifPresent(Daemon::lowerOomScore);
        List<AutoCloseable> opened = new ArrayList<>();
        opened.add(Daemon::stopKamon);
        try {
            HostFiles files = hostFiles(api);
            opened.add(0, files);
            Optional<ConsoleFileWriter> consoleFiles = serve.consoleFilesDir().map(dir -> {
                createDirectories(dir);
                return new ConsoleFileWriter(dir, serve.consoleLimits(), System::nanoTime);
            });
            consoleFiles.ifPresent(w -> opened.add(0, w));   // closed after the VMs (added later, closed first)
            DesiredStateStore store = DesiredStateStore.open(serve.database());
            opened.add(0, store);
            Kvm kvm = Kvm.open();
            opened.add(0, kvm);
            Optional<VmPool> pool = serve.vmPool().enabled() ? Optional.of(VmPool.start(kvm, serve.vmPool())) : Optional.empty();
            pool.ifPresent(p -> opened.add(0, p::close));
            CompletableFuture<DaemonGuardian.Started> started = new CompletableFuture<>();
            ActorSystem<DaemonGuardian.Command> system = ActorSystem.create(DaemonGuardian.create(fleetSettings, hostMemory,
                    serve, store, kvm, pool, consoleFiles, files, api.askTimeout().multipliedBy(3), started), "flotilla", config);
            opened.add(0, () -> {
                system.terminate();
                system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
            });
            ActorRef<dev.flotilla.fleet.FleetProtocol.Command> front = started.get(30, TimeUnit.SECONDS).front();
            ServerBinding binding = ApiServer.start(system, front, api).toCompletableFuture().get(30, TimeUnit.SECONDS);
            Daemon d = new Daemon(serve, system, store, kvm, pool, consoleFiles, binding, metricsUrl, files);
            LOG.atInfo().addKeyValue("api", d.apiUrl()).addKeyValue("metrics", metricsUrl)
                    .addKeyValue("state_dir", serve.stateDir().toString()).addKeyValue("host", serve.hostName())
                    .log("flotilla daemon ready: API {}, OpenAPI {}/openapi.yaml, Prometheus {}, desired state in {}",
                            d.apiUrl(), d.apiUrl(), metricsUrl, serve.database());
            return d;
        } catch (ExecutionException e) {
            closeAll(opened);
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("flotilla serve could not start: " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            closeAll(opened);
            throw new IllegalStateException("flotilla serve did not start within 30 s; see the log above", e);
        } catch (InterruptedException e) {
            closeAll(opened);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting", e);
        } catch (RuntimeException e) {
            closeAll(opened);
            throw e;
        }
    }

    /** What the console file writer did (empty with console-files off): for tests and status. */
    public Optional<ConsoleFileWriter.Stats> consoleFileStats() {
        return consoleFiles.map(ConsoleFileWriter::stats);
    }

    private static void lowerOomScore(int value) {
        OomScoreAdjustment.Outcome o = OomScoreAdjustment.apply(OomScoreAdjustment.SELF, value);
        if (o.applied()) {
            LOG.atInfo().addKeyValue("oom_score_adj", o.effective()).log("{}: a host OOM picks other processes first", o.detail());
        } else {
            LOG.atWarn().addKeyValue("oom_score_adj", o.effective()).addKeyValue("requested", value).log(o.detail());
        }
    }

    /**
     * The fleet answers a slow start (202) before the API gives up on the fleet (503): else a VM being created
     * could be answered with an error while the fleet still holds its true answer.
     */
    static void checkAnswerTimes(FleetSettings fleet, ApiSettings api) {
        if (fleet.answerStartWithin().compareTo(api.askTimeout()) >= 0) {
            throw new IllegalStateException("flotilla.fleet.answer-start-within (" + fleet.answerStartWithin().toMillis()
                    + " ms) must be shorter than flotilla.api.ask-timeout (" + api.askTimeout().toMillis() + " ms): lower the "
                    + "first or raise the second");
        }
    }

    private static void createDirectories(Path dir) {
        try {
            java.nio.file.Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot create " + dir + " (" + e + "): set flotilla.serve.state-dir or "
                    + "$FLOTILLA_STATE (and flotilla.serve.console-dir) to a writable directory", e);
        }
    }

    /** The probe guest's cache directory joins the allowed roots, so a POST /vms can boot the embedded guest. */
    static ApiSettings withProbeRoot(ApiSettings api) {
        Path probeDir = ProbeGuestImage.path().getParent().toAbsolutePath();
        for (Path root : api.allowedRoots()) {
            if (probeDir.startsWith(root)) return api;
        }
        List<HostRoot> roots = new ArrayList<>(api.roots());
        roots.add(HostRoot.of(probeDir));
        return api.withRoots(roots);
    }

    /** Creates missing roots (0700), refuses unsafe ones, and holds each open for the VMs' files. */
    private static HostFiles hostFiles(ApiSettings api) {
        try {
            return HostFiles.open(api.roots());
        } catch (HostFileException e) {
            throw new IllegalStateException("flotilla serve cannot use its allowed roots (flotilla.api.allowed-roots): " + e.getMessage(), e);
        }
    }

    public InetSocketAddress apiAddress() {
        return binding.localAddress();
    }

    public String apiUrl() {
        return "http://" + binding.localAddress().getHostString() + ":" + binding.localAddress().getPort();
    }

    public String metricsUrl() {
        return metricsUrl;
    }

    public ServeSettings settings() {
        return settings;
    }

    /** Completes when the ActorSystem has terminated (after {@link #close}, or if it stopped by itself). */
    public CompletableFuture<?> whenTerminated() {
        return system.getWhenTerminated().toCompletableFuture();
    }

    /** The orderly stop; the VMs' desired state is kept. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        long deadline = System.nanoTime() + settings.shutdownTimeout().toNanos();
        LOG.info("flotilla daemon stopping: API first, then the VMs (kept in the desired state)");
        try {
            binding.unbind().toCompletableFuture().get(remaining(deadline), TimeUnit.NANOSECONDS);
        } catch (Exception e) {
            LOG.warn("the API did not unbind cleanly: {}", e.toString());
        }
        CompletableFuture<Void> released = new CompletableFuture<>();
        system.tell(new DaemonGuardian.StopVms(released));
        try {
            released.get(remaining(deadline), TimeUnit.NANOSECONDS);
        } catch (Exception e) {
            LOG.warn("not every VM was released within {}; the actor system stops them now", settings.shutdownTimeout());
        }
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(Math.max(remaining(deadline), Duration.ofSeconds(5).toNanos()),
                    TimeUnit.NANOSECONDS);
        } catch (Exception e) {
            LOG.warn("the actor system did not terminate in time: {}", e.toString());
        }
        store.close();
        consoleFiles.ifPresent(ConsoleFileWriter::close);   // the VMs' consoles are closed: write their last bytes
        pool.ifPresent(VmPool::close);   // before the Kvm: ready VMs hold VM fds
        kvm.close();
        files.close();
        stopKamon();
        LOG.info("flotilla daemon stopped");
    }

    private static long remaining(long deadline) {
        return Math.max(Duration.ofMillis(100).toNanos(), deadline - System.nanoTime());
    }

    private static void stopKamon() {
        try {
            scala.concurrent.Await.result(Kamon.stop(), scala.concurrent.duration.Duration.create(5, TimeUnit.SECONDS));
        } catch (Exception e) {
            LOG.debug("Kamon did not stop cleanly: {}", e.toString());
        }
    }

    private static void closeAll(List<AutoCloseable> opened) {
        for (AutoCloseable c : opened) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("while cleaning up a failed start: {}", e.toString());
            }
        }
    }
}
