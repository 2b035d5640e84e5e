package dev.flotilla.ops.serve;

import com.typesafe.config.Config;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The daemon's own settings ({@code flotilla.serve} and {@code flotilla.metrics}).
 *
 * @param stateDir                 holds {@code flotilla.db} (the desired state) and {@code consoles/}
 * @param hostName                 this host in GET /hosts and in metric tags
 * @param consoleFiles             whether each VM's console is appended to {@code consoles/<id>.log}
 * @param shutdownTimeout          the bound on an orderly stop (SIGTERM)
 * @param pollInterval             how often per-VM counters and fleet gauges are read into Kamon
 * @param firecrackerFlushInterval how often each VM's Firecracker-style metrics line is appended to its metrics_path
 * @param vmPool                   pre-created VMs kept ready per memory size ("128=4"; "" = off)
 */
public record ServeSettings(Path stateDir, String hostName, boolean consoleFiles, Duration shutdownTimeout,
                            Duration pollInterval, Duration firecrackerFlushInterval,
                            dev.flotilla.vm.pool.VmPoolConfig vmPool) {

    public ServeSettings(Path stateDir, String hostName, boolean consoleFiles, Duration shutdownTimeout,
                         Duration pollInterval, Duration firecrackerFlushInterval) {
        this(stateDir, hostName, consoleFiles, shutdownTimeout, pollInterval, firecrackerFlushInterval,
                dev.flotilla.vm.pool.VmPoolConfig.parse(""));
    }

    public ServeSettings {
        if (vmPool == null) vmPool = dev.flotilla.vm.pool.VmPoolConfig.parse("");
        if (!stateDir.isAbsolute()) stateDir = stateDir.toAbsolutePath();
        if (hostName == null || hostName.isBlank()) throw new IllegalArgumentException("flotilla.serve.host-name is empty");
        if (pollInterval.isZero() || pollInterval.isNegative()) {
            throw new IllegalArgumentException("flotilla.metrics.poll-interval must be positive");
        }
        if (firecrackerFlushInterval.isZero() || firecrackerFlushInterval.isNegative()) {
            throw new IllegalArgumentException("flotilla.metrics.firecracker-flush-interval must be positive");
        }
    }

    public static ServeSettings fromConfig(Config config) {
        Config s = config.getConfig("flotilla.serve");
        Config m = config.getConfig("flotilla.metrics");
        String dir = s.getString("state-dir");
        String host = s.getString("host-name");
        return new ServeSettings(dir.isBlank() ? defaultStateDir(System.getenv(), System.getProperty("user.home")) : Path.of(dir),
                host.isBlank() ? localHostName() : host, s.getBoolean("console-files"), s.getDuration("shutdown-timeout"),
                m.getDuration("poll-interval"), m.getDuration("firecracker-flush-interval"),
                dev.flotilla.vm.pool.VmPoolConfig.parse(s.getString("vm-pool")));
    }

    public Path database() {
        return stateDir.resolve("flotilla.db");
    }

    public Optional<Path> consoleDir() {
        return consoleFiles ? Optional.of(stateDir.resolve("consoles")) : Optional.empty();
    }

    /** $FLOTILLA_STATE, else $XDG_DATA_HOME/flotilla, else ~/.local/share/flotilla (the XDG data directory). */
    static Path defaultStateDir(Map<String, String> env, String home) {
        String state = env.get("FLOTILLA_STATE");
        if (state != null && !state.isBlank()) return Path.of(state);
        String xdg = env.get("XDG_DATA_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) return Path.of(xdg, "flotilla");
        return Path.of(home, ".local", "share", "flotilla");
    }

    static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
