package dev.flotilla.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.vm.config.InvalidConfigException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import dev.flotilla.kvm.hostfs.HostRoot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Binding rules, the bearer token on every request, and host-path confinement. */
class SecurityTest {

    static final String TOKEN = "0123456789abcdef-secret";

    @TempDir
    static Path tmp;
    static ApiTestServer api;

    @BeforeAll
    static void start() throws Exception {
        api = new ApiTestServer(tmp, TOKEN);
    }

    @AfterAll
    static void stop() throws Exception {
        api.close();
    }

    private static ApiTestServer.Reply withAuth(String method, String path, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api.base + path)).timeout(Duration.ofSeconds(10));
        if (authorization != null) b.header("Authorization", authorization);
        return api.send(b, method, method.equals("GET") ? null : "{\"vcpu_count\":1,\"mem_size_mib\":128}", "application/json");
    }

    @Test
    void everyRouteNeedsTheToken() {
        for (ApiRoute r : ApiRoute.values()) {
            String path = r.template().replace("{id}", "vm1").replace("{drive_id}", "d").replace("{iface_id}", "n");
            ApiTestServer.Reply reply = withAuth(r.method(), path, null);
            reply.refuses(401, "Authorization: Bearer");
            assertTrue(reply.header("WWW-Authenticate").startsWith("Bearer"), r.toString());
        }
        withAuth("GET", "/nothing", null).fault(401); // even what does not exist: no map of the API without the token
    }

    @Test
    void wrongOrMalformedTokensAreRefused() {
        withAuth("GET", "/hosts", "Bearer " + TOKEN + "x").refuses(401, "wrong");
        withAuth("GET", "/hosts", "Bearer " + TOKEN.substring(1)).refuses(401, "wrong");
        withAuth("GET", "/hosts", "Basic " + TOKEN).refuses(401, "wrong");
        withAuth("GET", "/hosts", TOKEN).refuses(401, "wrong");
        withAuth("GET", "/hosts", "Bearer ").refuses(401, "wrong");
    }

    @Test
    void theRightTokenIsAccepted() {
        assertEquals(200, withAuth("GET", "/hosts", "Bearer " + TOKEN).status());
        assertEquals(200, withAuth("GET", "/hosts", "bearer " + TOKEN).status(), "the scheme is case-insensitive (RFC 7235)");
        withAuth("PUT", "/vms/tok/machine-config", "Bearer " + TOKEN).noContent();
    }

    @Test
    void nonLoopbackBindNeedsAToken() {
        ApiSettings d = ApiSettings.defaults();
        assertEquals("127.0.0.1", d.bindAddress());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.withBind("0.0.0.0", 8080));
        assertTrue(e.getMessage().contains("bearer token") && e.getMessage().contains("0.0.0.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> d.withBind("192.168.1.10", 8080));
        assertThrows(IllegalArgumentException.class, () -> d.withBind("example.org", 8080), "names needing DNS count as remote");
        assertThrows(IllegalArgumentException.class, () -> d.withBind("::", 8080));
        d.withBind("localhost", 8080);
        d.withBind("::1", 8080);
        d.withBind("127.0.0.2", 8080);
        assertEquals("0.0.0.0", d.withBearerToken(TOKEN).withBind("0.0.0.0", 8080).bindAddress());
    }

    @Test
    void weakTokensAndBadLimitsAreRefused() {
        ApiSettings d = ApiSettings.defaults();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> d.withBearerToken("short")).getMessage().contains("16"));
        assertThrows(IllegalArgumentException.class, () -> d.withBearerToken("has a space in it, long enough"));
        assertThrows(IllegalArgumentException.class, () -> d.withMaxEntityBytes(10));
        assertThrows(IllegalArgumentException.class, () -> d.withAllowedRoots(List.of()));
        assertThrows(IllegalArgumentException.class, () -> d.withAllowedRoots(List.of(Path.of("relative"))));
        assertThrows(IllegalArgumentException.class, () -> d.withBind("127.0.0.1", 70000));
    }

    @Test
    void settingsFromConfigHaveLoopbackDefaultsAndNameTheSectionOnRefusal() {
        ApiSettings d = ApiSettings.fromConfig(ConfigFactory.parseString("flotilla.api.bearer-token = \"\"")
                .withFallback(ConfigFactory.defaultReference()).resolve());
        assertEquals("127.0.0.1", d.bindAddress());
        assertEquals(8080, d.port());
        assertEquals(Optional.empty(), d.bearerToken());
        assertEquals(64 * 1024, d.maxEntityBytes());
        assertEquals(ApiSettings.defaultRoots(), d.roots());
        assertEquals(Duration.ofSeconds(10), d.askTimeout());
        ApiSettings custom = ApiSettings.fromConfig(ConfigFactory.parseString("flotilla.api { bind-address = \"0.0.0.0\", port = 9000, "
                + "bearer-token = \"" + TOKEN + "\", max-entity-size = 128 KiB, allowed-roots = [\"/srv/images\"], ask-timeout = 3s, "
                + "max-event-streams = 5 }").withFallback(ConfigFactory.defaultReference()).resolve());
        assertEquals("0.0.0.0", custom.bindAddress());
        assertEquals(9000, custom.port());
        assertEquals(Optional.of(TOKEN), custom.bearerToken());
        assertEquals(128 * 1024, custom.maxEntityBytes());
        assertEquals(List.of(Path.of("/srv/images")), custom.allowedRoots());
        ApiSettings options = ApiSettings.fromConfig(ConfigFactory.parseString("flotilla.api.allowed-roots = [\"/srv/a\", "
                + "{ path = \"/srv/b\", symlinks = true, block-devices = true }]").withFallback(ConfigFactory.defaultReference()).resolve());
        assertEquals(List.of(HostRoot.of(Path.of("/srv/a")), new HostRoot(Path.of("/srv/b"), true, true)), options.roots());
        IllegalArgumentException rel = assertThrows(IllegalArgumentException.class, () -> ApiSettings.fromConfig(ConfigFactory
                .parseString("flotilla.api.allowed-roots = [\"srv\"]").withFallback(ConfigFactory.defaultReference()).resolve()));
        assertTrue(rel.getMessage().contains("relative"), rel.getMessage());
        assertEquals(Duration.ofSeconds(3), custom.askTimeout());
        assertEquals(5, custom.maxEventStreams());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ApiSettings.fromConfig(ConfigFactory
                .parseString("flotilla.api { bind-address = \"0.0.0.0\", bearer-token = \"\" }")
                .withFallback(ConfigFactory.defaultReference()).resolve()));
        assertTrue(e.getMessage().startsWith("flotilla.api:") && e.getMessage().contains("bearer token"), e.getMessage());
    }

    @Test
    void defaultRootsAreTheUsersOwnDirectoriesNeverTmp() {
        assertEquals(List.of(HostRoot.of(Path.of("/home/u/.cache/flotilla"))), ApiSettings.defaultRoots(Map.of(), "/home/u"));
        assertEquals(List.of(HostRoot.of(Path.of("/xdg/flotilla")), HostRoot.of(Path.of("/run/user/1000/flotilla"))),
                ApiSettings.defaultRoots(Map.of("XDG_CACHE_HOME", "/xdg", "XDG_RUNTIME_DIR", "/run/user/1000"), "/home/u"));
        assertEquals(Path.of("/home/u/.cache/flotilla"), ApiSettings.defaultRoots(Map.of("XDG_CACHE_HOME", "rel"), "/home/u").get(0).path(),
                "a relative XDG_CACHE_HOME is ignored, as the XDG spec says");
        assertTrue(ApiSettings.defaults().allowedRoots().stream().noneMatch(p -> p.startsWith("/tmp")),
                "no world-writable place: any local user could create it first");
    }

    @Test
    void startRefusesARemoteBindWithoutTokenBeforeBinding() {
        // the settings record is the gate: no ApiSettings exists that binds remotely without a token
        assertThrows(IllegalArgumentException.class, () -> new ApiSettings("10.0.0.1", 0, Optional.empty(), 65536,
                ApiSettings.defaultRoots(), Duration.ofSeconds(1), 4));
    }

    @Test
    void hostPathsAreConfinedAfterResolvingLinks() throws Exception {
        Path root = Files.createDirectories(tmp.toRealPath().resolve("confined"));
        Path other = Files.createDirectories(tmp.toRealPath().resolve("other"));
        Path file = Files.writeString(root.resolve("disk.img"), "x");
        HostPaths paths = new HostPaths(List.of(root));
        assertEquals(file, paths.confine("path_on_host", file.toString()));
        assertEquals(root.resolve("new/deeper.sock"), paths.confine("uds_path", root + "/new/deeper.sock"), "not yet existing is fine");
        assertEquals(file, paths.confine("path_on_host", root + "/./disk.img"), "normalised");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> paths.confine("path_on_host", other + "/disk.img"));
        assertEquals("path_on_host", e.field());
        assertTrue(e.getMessage().contains(other + "/disk.img") && e.getMessage().contains(root.toString()), e.getMessage());
        assertThrows(InvalidConfigException.class, () -> paths.confine("path_on_host", root + "/../other/disk.img"));
        assertThrows(InvalidConfigException.class, () -> paths.confine("path_on_host", root + "x/disk.img"), "a sibling with the root as prefix");
        Files.createSymbolicLink(root.resolve("out"), other);
        assertThrows(InvalidConfigException.class, () -> paths.confine("path_on_host", root + "/out/disk.img"));
        Files.createSymbolicLink(root.resolve("dangling"), other.resolve("missing"));
        assertTrue(assertThrows(InvalidConfigException.class, () -> paths.confine("path_on_host", root + "/dangling"))
                .getMessage().contains("cannot be resolved"));
        Files.createSymbolicLink(root.resolve("in"), file);
        assertEquals(file, paths.confine("path_on_host", root + "/in"), "a link inside the root to a file inside is fine, resolved");
        Path linkedRoot = Files.createSymbolicLink(tmp.toRealPath().resolve("root-link"), root);
        assertEquals(file, new HostPaths(List.of(linkedRoot)).confine("path_on_host", file.toString()), "the roots' own links are resolved");
        assertThrows(InvalidConfigException.class, () -> paths.confine("path_on_host", ""));
        assertThrows(InvalidConfigException.class, () -> paths.confine("path_on_host", "disk.img"));
    }

    @Test
    void aPortInUseFailsTheStartWithTheAddress() {
        int port = api.binding.localAddress().getPort();
        ApiSettings s = ApiSettings.defaults().withBind("127.0.0.1", port).withAllowedRoots(List.of(tmp));
        var failed = ApiServer.start(api.testKit.system(), api.fleet, s).toCompletableFuture();
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> failed.get(10, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains(Integer.toString(port)), e.getCause().getMessage());
    }

    @Test
    void oneVmsRequestsAreKeyedByItsPathId() {
        // a body cannot redirect a change to another VM: there is no VM id in any per-VM body
        api.send("PUT", "/vms/vm-a/machine-config", "{\"vcpu_count\":2,\"mem_size_mib\":256}").noContent();
        api.send("PUT", "/vms/vm-b/machine-config", "{\"vm_id\":\"vm-a\",\"vcpu_count\":1,\"mem_size_mib\":128}").refuses(400, "vm_id");
        assertEquals(2, api.get("/vms/vm-a/machine-config").json().get("vcpu_count").asInt());
    }
}
