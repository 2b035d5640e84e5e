package dev.flotilla.api;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.flotilla.kvm.hostfs.HostRoot;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How the API server binds and what it lets in.
 *
 * @param bindAddress    interface to listen on; loopback ({@value #DEFAULT_BIND_ADDRESS}) by default
 * @param port           TCP port; 0 picks a free one (tests)
 * @param bearerToken    required as {@code Authorization: Bearer <token>} on every request when present;
 *                       mandatory for any non-loopback bind, because the API can read and write host files
 * @param maxEntityBytes largest request body accepted (413 above it)
 * @param roots          directories every host path in a request body must resolve under, with what each allows
 *                       (symlinks beneath it, block devices as drives); the daemon opens every file beneath them
 * @param askTimeout     how long a request waits for the fleet before a 503
 * @param maxEventStreams how many SSE clients may be connected at once (503 above it)
 */
public record ApiSettings(String bindAddress, int port, Optional<String> bearerToken, int maxEntityBytes,
                          List<HostRoot> roots, Duration askTimeout, int maxEventStreams) {

    public static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    /** A whole Firecracker config file with a dozen drives is a few KiB; 64 KiB leaves room and bounds parsing. */
    public static final int DEFAULT_MAX_ENTITY_BYTES = 64 * 1024;
    public static final Duration DEFAULT_ASK_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_EVENT_STREAMS = 64;
    /** Shortest token accepted: a guessable token on a network-facing API is no protection. */
    public static final int MIN_TOKEN_LENGTH = 16;

    public ApiSettings {
        if (bindAddress == null || bindAddress.isBlank()) throw new IllegalArgumentException("bind address is empty: use 127.0.0.1 for loopback only");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port + " is out of range: use 0 to 65535");
        if (bearerToken == null) bearerToken = Optional.empty();
        if (bearerToken.isPresent() && bearerToken.get().length() < MIN_TOKEN_LENGTH) {
            throw new IllegalArgumentException("the API bearer token is " + bearerToken.get().length() + " characters: use at least "
                    + MIN_TOKEN_LENGTH + " random characters (e.g. `openssl rand -hex 32`)");
        }
        if (bearerToken.isPresent() && !bearerToken.get().matches("[\\x21-\\x7E]+")) {
            throw new IllegalArgumentException("the API bearer token has spaces or non-ASCII characters: use printable ASCII only");
        }
        if (!isLoopback(bindAddress) && bearerToken.isEmpty()) {
            throw new IllegalArgumentException("refusing to bind the API to " + bindAddress + " without a bearer token: anyone who can reach it "
                    + "could start VMs and read host files. Set a token (at least " + MIN_TOKEN_LENGTH
                    + " characters), or bind to 127.0.0.1");
        }
        if (maxEntityBytes < 1024 || maxEntityBytes > 16 * 1024 * 1024) {
            throw new IllegalArgumentException("max entity size " + maxEntityBytes + " bytes is out of range: use 1 KiB to 16 MiB");
        }
        if (roots == null || roots.isEmpty()) {
            throw new IllegalArgumentException("no allowed roots for host paths: give at least one directory kernels, drives and sockets may live under");
        }
        roots = List.copyOf(roots);
        if (askTimeout == null || askTimeout.isNegative() || askTimeout.isZero()) askTimeout = DEFAULT_ASK_TIMEOUT;
        if (maxEventStreams < 1) throw new IllegalArgumentException("max event streams must be at least 1");
    }

    /**
     * From the {@code flotilla.api} section (see the api module's reference.conf for keys and defaults).
     *
     * @throws IllegalArgumentException naming the key when a value is refused
     */
    public static ApiSettings fromConfig(Config config) {
        Config c = config.getConfig("flotilla.api");
        String token = c.getString("bearer-token");
        long entity = c.getBytes("max-entity-size");
        try {
            List<HostRoot> roots = roots(c.getList("allowed-roots"));
            return new ApiSettings(c.getString("bind-address"), c.getInt("port"), token.isEmpty() ? Optional.empty() : Optional.of(token),
                    (int) Math.min(Integer.MAX_VALUE, entity), roots.isEmpty() ? defaultRoots() : roots,
                    c.getDuration("ask-timeout"), c.getInt("max-event-streams"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("flotilla.api: " + e.getMessage(), e);
        }
    }

    /**
     * {@code allowed-roots} entries: a directory as a string (no symlinks, no block devices), or
     * {@code { path = "/srv/images", symlinks = true, block-devices = true }}.
     */
    private static List<HostRoot> roots(List<? extends ConfigValue> values) {
        List<HostRoot> roots = new ArrayList<>();
        for (ConfigValue v : values) {
            if (v.valueType() == ConfigValueType.STRING) {
                roots.add(HostRoot.of(relativeRefused(String.valueOf(v.unwrapped()))));
            } else if (v.valueType() == ConfigValueType.OBJECT) {
                Config o = ((ConfigObject) v).toConfig();
                if (!o.hasPath("path")) throw new IllegalArgumentException("allowed-roots entry " + v.render() + " has no path");
                roots.add(new HostRoot(relativeRefused(o.getString("path")), o.hasPath("symlinks") && o.getBoolean("symlinks"),
                        o.hasPath("block-devices") && o.getBoolean("block-devices")));
            } else {
                throw new IllegalArgumentException("allowed-roots entry " + v.render() + " is neither a directory nor"
                        + " { path = ..., symlinks = ..., block-devices = ... }");
            }
        }
        return roots;
    }

    private static Path relativeRefused(String dir) {
        Path p = Path.of(dir);
        if (!p.isAbsolute()) throw new IllegalArgumentException("allowed root '" + dir + "' is relative: give an absolute directory");
        return p;
    }

    /** The roots' directories. */
    public List<Path> allowedRoots() {
        return roots.stream().map(HostRoot::path).toList();
    }

    /** Loopback, port 8080, no token, 64 KiB bodies, {@link #defaultRoots()}. */
    public static ApiSettings defaults() {
        return new ApiSettings(DEFAULT_BIND_ADDRESS, DEFAULT_PORT, Optional.empty(), DEFAULT_MAX_ENTITY_BYTES,
                defaultRoots(), DEFAULT_ASK_TIMEOUT, DEFAULT_MAX_EVENT_STREAMS);
    }

    /**
     * Flotilla's cache directory ({@code $XDG_CACHE_HOME/flotilla}, else {@code ~/.cache/flotilla}: kernels, initrds,
     * the probe guest, drives) and, when the session has one, {@code $XDG_RUNTIME_DIR/flotilla} (vsock sockets,
     * metrics of throwaway VMs). The daemon creates them 0700 and refuses them if another user owns them.
     * No default in /tmp: any local user can create {@code /tmp/flotilla} before the daemon does, and own it or
     * squat it; the per-user directories cannot be taken that way.
     */
    public static List<HostRoot> defaultRoots() {
        return defaultRoots(System.getenv(), System.getProperty("user.home"));
    }

    static List<HostRoot> defaultRoots(Map<String, String> env, String home) {
        String xdg = env.get("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg) : Path.of(home, ".cache");
        List<HostRoot> roots = new ArrayList<>(List.of(HostRoot.of(cache.resolve("flotilla"))));
        String runtime = env.get("XDG_RUNTIME_DIR");
        if (runtime != null && !runtime.isBlank() && Path.of(runtime).isAbsolute()) roots.add(HostRoot.of(Path.of(runtime, "flotilla")));
        return List.copyOf(roots);
    }

    public ApiSettings withBind(String address, int p) {
        return new ApiSettings(address, p, bearerToken, maxEntityBytes, roots, askTimeout, maxEventStreams);
    }

    public ApiSettings withBearerToken(String token) {
        return new ApiSettings(bindAddress, port, Optional.of(token), maxEntityBytes, roots, askTimeout, maxEventStreams);
    }

    public ApiSettings withMaxEntityBytes(int bytes) {
        return new ApiSettings(bindAddress, port, bearerToken, bytes, roots, askTimeout, maxEventStreams);
    }

    /** Roots with the safe defaults (no symlinks, no block devices). */
    public ApiSettings withAllowedRoots(List<Path> dirs) {
        for (Path r : dirs) {
            if (!r.isAbsolute()) throw new IllegalArgumentException("allowed root '" + r + "' is relative: give an absolute directory");
        }
        return withRoots(dirs.stream().map(HostRoot::of).toList());
    }

    public ApiSettings withRoots(List<HostRoot> r) {
        return new ApiSettings(bindAddress, port, bearerToken, maxEntityBytes, r, askTimeout, maxEventStreams);
    }

    public ApiSettings withAskTimeout(Duration timeout) {
        return new ApiSettings(bindAddress, port, bearerToken, maxEntityBytes, roots, timeout, maxEventStreams);
    }

    public ApiSettings withMaxEventStreams(int n) {
        return new ApiSettings(bindAddress, port, bearerToken, maxEntityBytes, roots, askTimeout, n);
    }

    /**
     * Whether {@code address} is a loopback address. Only literal addresses and "localhost" are resolved without
     * DNS; a host name that needs a lookup counts as non-loopback (and so needs a token), never the other way round.
     */
    static boolean isLoopback(String address) {
        if (address.equals("localhost")) return true;
        if (!address.matches("[0-9.]+|\\[?[0-9a-fA-F:.]+\\]?")) return false;
        try {
            String literal = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
            return InetAddress.getByName(literal).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
