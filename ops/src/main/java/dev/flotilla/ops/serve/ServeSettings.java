package dev.flotilla.ops.serve;

import com.typesafe.config.Config;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import dev.flotilla.vm.console.ConsoleFileLimits;

/**
 * The daemon's own settings ({@code flotilla.serve} and {@code flotilla.metrics}).
 *
 * @param stateDir                 holds {@code flotilla.db} (the desired state)
 * @param hostName                 this host in GET /hosts and in metric tags
 * @param consoleFiles             whether each VM's console is also written to {@code <consoleDir>/<id>.log}
 * @param consoleDir               where console files go: apart from the database, ideally on another filesystem
 * @param consoleLimits            each console's size cap (with rotation) and the free-space floor
 * @param oomScoreAdj              written to /proc/self/oom_score_adj at start, or empty to leave it as inherited
 * @param shutdownTimeout          the bound on an orderly stop (SIGTERM)
 * @param pollInterval             how often per-VM counters and fleet gauges are read into Kamon
 * @param firecrackerFlushInterval how often each VM's Firecracker-style metrics line is appended to its metrics_path
 * @param vmPool                   pre-created VMs kept ready per memory size ("128=4"; "" = off)
 */
public record ServeSettings(Path stateDir, String hostName, boolean consoleFiles, Path consoleDir,
                            ConsoleFileLimits consoleLimits, OptionalInt oomScoreAdj, Duration shutdownTimeout,
                            Duration pollInterval, Duration firecrackerFlushInterval,
                            dev.flotilla.vm.pool.VmPoolConfig vmPool) {

    public ServeSettings {
        if (vmPool == null) vmPool = dev.flotilla.vm.pool.VmPoolConfig.parse("");
        if (!stateDir.isAbsolute()) stateDir = stateDir.toAbsolutePath();
        if (consoleDir == null) consoleDir = stateDir.resolve("consoles");
        if (!consoleDir.isAbsolute()) consoleDir = consoleDir.toAbsolutePath();
        if (hostName == null || hostName.isBlank()) throw new IllegalArgumentException("flotilla.serve.host-name is empty");
        if (oomScoreAdj.isPresent() && (oomScoreAdj.getAsInt() < -1000 || oomScoreAdj.getAsInt() > 1000)) {
            throw new IllegalArgumentException("flotilla.serve.oom-score-adj must be within -1000..1000 (the kernel's "
                    + "range), not " + oomScoreAdj.getAsInt());
        }
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
        String consoles = s.getString("console-dir");
        String oom = s.getString("oom-score-adj").trim();
        ConsoleFileLimits limits;
        try {
            limits = new ConsoleFileLimits(s.getBytes("console-max-size"), s.getBytes("console-min-free"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("flotilla.serve.console-max-size / console-min-free: " + e.getMessage(), e);
        }
        OptionalInt oomScoreAdj;
        try {
            oomScoreAdj = oom.isEmpty() ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(oom));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("flotilla.serve.oom-score-adj must be an integer within -1000..1000, "
                    + "or \"\" to leave it alone, not '" + oom + "'", e);
        }
        Path stateDir = dir.isBlank() ? defaultStateDir(System.getenv(), System.getProperty("user.home")) : Path.of(dir);
        return new ServeSettings(stateDir, host.isBlank() ? localHostName() : host, s.getBoolean("console-files"),
                consoles.isBlank() ? null : Path.of(consoles), limits, oomScoreAdj, s.getDuration("shutdown-timeout"),
                m.getDuration("poll-interval"), m.getDuration("firecracker-flush-interval"),
                dev.flotilla.vm.pool.VmPoolConfig.parse(s.getString("vm-pool")));
    }

    public Path database() {
        return stateDir.resolve("flotilla.db");
    }

    /** The console directory when console files are on. */
    public Optional<Path> consoleFilesDir() {
        return consoleFiles ? Optional.of(consoleDir) : Optional.empty();
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
