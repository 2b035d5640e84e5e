package dev.flotilla.api;

import com.typesafe.config.Config;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
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
 * @param allowedRoots   directories every host path in a request body must resolve under
 * @param askTimeout     how long a request waits for the fleet before a 503
 * @param maxEventStreams how many SSE clients may be connected at once (503 above it)
 */
public record ApiSettings(String bindAddress, int port, Optional<String> bearerToken, int maxEntityBytes,
                          List<Path> allowedRoots, Duration askTimeout, int maxEventStreams) {

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
        if (allowedRoots == null || allowedRoots.isEmpty()) {
            throw new IllegalArgumentException("no allowed roots for host paths: give at least one directory kernels, drives and sockets may live under");
        }
        for (Path r : allowedRoots) {
            if (!r.isAbsolute()) throw new IllegalArgumentException("allowed root '" + r + "' is relative: give an absolute directory");
        }
        allowedRoots = List.copyOf(allowedRoots);
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
        List<Path> roots = c.getStringList("allowed-roots").stream().map(Path::of).toList();
        try {
            return new ApiSettings(c.getString("bind-address"), c.getInt("port"), token.isEmpty() ? Optional.empty() : Optional.of(token),
                    (int) Math.min(Integer.MAX_VALUE, entity), roots.isEmpty() ? defaultRoots() : roots,
                    c.getDuration("ask-timeout"), c.getInt("max-event-streams"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("flotilla.api: " + e.getMessage(), e);
        }
    }

    /** Loopback, port 8080, no token, 64 KiB bodies, {@link #defaultRoots()}. */
    public static ApiSettings defaults() {
        return new ApiSettings(DEFAULT_BIND_ADDRESS, DEFAULT_PORT, Optional.empty(), DEFAULT_MAX_ENTITY_BYTES,
                defaultRoots(), DEFAULT_ASK_TIMEOUT, DEFAULT_MAX_EVENT_STREAMS);
    }

    /**
     * Flotilla's cache directory ({@code $XDG_CACHE_HOME/flotilla}, else {@code ~/.cache/flotilla}: kernels, initrds,
     * the probe guest) and {@code /tmp/flotilla} (drives, vsock sockets, logs and metrics of throwaway VMs).
     * Not all of /tmp: it is writable by every user, so a VM's config could otherwise name another user's files.
     */
    public static List<Path> defaultRoots() {
        return defaultRoots(System.getenv(), System.getProperty("user.home"));
    }

    static List<Path> defaultRoots(Map<String, String> env, String home) {
        String xdg = env.get("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg) : Path.of(home, ".cache");
        return List.of(cache.resolve("flotilla"), Path.of("/tmp/flotilla"));
    }

    public ApiSettings withBind(String address, int p) {
        return new ApiSettings(address, p, bearerToken, maxEntityBytes, allowedRoots, askTimeout, maxEventStreams);
    }

    public ApiSettings withBearerToken(String token) {
        return new ApiSettings(bindAddress, port, Optional.of(token), maxEntityBytes, allowedRoots, askTimeout, maxEventStreams);
    }

    public ApiSettings withMaxEntityBytes(int bytes) {
        return new ApiSettings(bindAddress, port, bearerToken, bytes, allowedRoots, askTimeout, maxEventStreams);
    }

    public ApiSettings withAllowedRoots(List<Path> roots) {
        return new ApiSettings(bindAddress, port, bearerToken, maxEntityBytes, roots, askTimeout, maxEventStreams);
    }

    public ApiSettings withAskTimeout(Duration timeout) {
        return new ApiSettings(bindAddress, port, bearerToken, maxEntityBytes, allowedRoots, timeout, maxEventStreams);
    }

    public ApiSettings withMaxEventStreams(int n) {
        return new ApiSettings(bindAddress, port, bearerToken, maxEntityBytes, allowedRoots, askTimeout, n);
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
