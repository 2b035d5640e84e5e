package dev.flotilla.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.http.javadsl.ServerBinding;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flotilla.fleet.FleetProtocol;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real API server on an ephemeral loopback port over {@link TestFleet}, and a JDK HTTP client to call it:
 * the tests go through Akka HTTP's parsing, limits and status handling as a real client does.
 */
final class ApiTestServer implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    final ActorTestKit testKit = ActorTestKit.create();
    final ActorRef<FleetProtocol.Command> fleet = testKit.spawn(TestFleet.create(), "fleet");
    final Path root;
    final Path kernel;
    final Path initrd;
    final Path rootfs;
    final ServerBinding binding;
    final String base;
    final String token;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** @param token bearer token to configure (and send by default), or null */
    ApiTestServer(Path tempDir, String token) throws Exception {
        this.root = tempDir.toRealPath().resolve("root");
        Files.createDirectories(root);
        this.kernel = Files.writeString(root.resolve("vmlinux"), "kernel");
        this.initrd = Files.writeString(root.resolve("initrd.cpio"), "initrd");
        this.rootfs = Files.writeString(root.resolve("rootfs.ext4"), "rootfs");
        this.token = token;
        ApiSettings s = ApiSettings.defaults().withBind("127.0.0.1", 0).withAllowedRoots(List.of(root))
                .withAskTimeout(Duration.ofSeconds(2)).withMaxEventStreams(2);
        if (token != null) s = s.withBearerToken(token);
        this.binding = ApiServer.start(testKit.system(), fleet, s).toCompletableFuture().get(10, TimeUnit.SECONDS);
        this.base = "http://127.0.0.1:" + binding.localAddress().getPort();
    }

    record Reply(int status, String body, HttpResponse<String> raw) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("response is not JSON: " + body, e);
            }
        }

        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        /** Asserts the status and a fault_message body, and returns the message. */
        String fault(int expected) {
            assertEquals(expected, status, () -> "status of a refusal; body: " + body);
            JsonNode j = json();
            assertTrue(j.has("fault_message") && j.get("fault_message").isTextual(), () -> "fault_message in " + body);
            assertEquals(1, j.size(), () -> "only fault_message in " + body);
            String msg = j.get("fault_message").asText();
            assertFalse(msg.isBlank());
            for (String internal : new String[] {"java.", "dev.flotilla.", "Jackson", "`", "Exception"}) {
                assertFalse(msg.contains(internal), () -> "fault_message shows internals (" + internal + "): " + msg);
            }
            return msg;
        }

        /** Asserts the status and a fault_message that mentions {@code word}. */
        void refuses(int expected, String word) {
            String msg = fault(expected);
            assertTrue(msg.contains(word), () -> "fault_message should mention '" + word + "': " + msg);
        }

        void noContent() {
            assertEquals(204, status, () -> "expected 204; body: " + body);
        }
    }

    Reply send(String method, String path, String body) {
        return send(method, path, body, "application/json");
    }

    Reply send(String method, String path, String body, String contentType) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return send(b, method, body, contentType);
    }

    Reply send(HttpRequest.Builder b, String method, String body, String contentType) {
        if (body != null && contentType != null) b.header("Content-Type", contentType);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body(), r);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(method + " failed: " + e, e);
        }
    }

    HttpClient client() {
        return client;
    }

    Reply get(String path) {
        return send("GET", path, null);
    }

    Reply put(String path, String body) {
        return send("PUT", path, body);
    }

    Reply patch(String path, String body) {
        return send("PATCH", path, body);
    }

    Reply post(String path, String body) {
        return send("POST", path, body);
    }

    /** A minimal bootable config for POST /vms. */
    String config(String id, String extra) {
        return "{" + (id == null ? "" : "\"id\":\"" + id + "\",") + "\"boot-source\":{\"kernel_image_path\":\"" + kernel + "\"}"
                + (extra == null ? "" : "," + extra) + "}";
    }

    /** Configures a VM step by step (Firecracker style) and leaves it not started. */
    void configured(String id) {
        put("/vms/" + id + "/machine-config", "{\"vcpu_count\":2,\"mem_size_mib\":256}").noContent();
        put("/vms/" + id + "/boot-source", "{\"kernel_image_path\":\"" + kernel + "\",\"boot_args\":\"console=ttyS0\"}").noContent();
    }

    void started(String id) {
        configured(id);
        put("/vms/" + id + "/actions", "{\"action_type\":\"InstanceStart\"}").noContent();
    }

    @Override
    public void close() throws Exception {
        binding.unbind().toCompletableFuture().get(5, TimeUnit.SECONDS);
        testKit.shutdownTestKit();
    }
}
