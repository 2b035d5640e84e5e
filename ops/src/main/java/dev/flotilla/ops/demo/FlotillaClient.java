package dev.flotilla.ops.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A small client of Flotilla's REST API over the JDK's HTTP client, as the demo, the API benchmark and the
 * end-to-end tests use it: raw calls that keep status, body, latency and Retry-After, plus the few typed
 * reads they need (GET /vms, every page).
 */
public final class FlotillaClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One HTTP answer. {@code latency} runs from just before the request was handed to the client to the full body. */
    public record Answer(int status, String body, Duration latency, Optional<Duration> retryAfter) {
        public boolean ok() {
            return status / 100 == 2;
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("the API answered " + status + " with a body that is not JSON: " + body, e);
            }
        }
    }

    /** One VM as GET /vms lists it. {@code bootMs} is -1 until the guest has written the boot timer. */
    public record VmStatus(String id, String state, double bootMs, Instant createdAt) {
        public boolean booted() {
            return bootMs >= 0;
        }
    }

    private final URI base;
    private final HttpClient http;

    public FlotillaClient(URI base) {
        this.base = base;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(30)).build();
    }

    public URI base() {
        return base;
    }

    public CompletableFuture<Answer> send(String method, String path, String jsonBody) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(120));
        if (jsonBody == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(jsonBody));
        }
        long t0 = System.nanoTime();
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()).thenApply(r -> new Answer(r.statusCode(), r.body(),
                Duration.ofNanos(System.nanoTime() - t0), r.headers().firstValue("Retry-After").map(FlotillaClient::seconds)));
    }

    /** {@link #send}, waited for; a connection failure becomes an {@link UncheckedIOException} naming the URL. */
    public Answer call(String method, String path, String jsonBody) {
        try {
            return send(method, path, jsonBody).join();
        } catch (CompletionException e) {
            throw new UncheckedIOException(new IOException(method + " " + base.resolve(path) + " failed: " + e.getCause(), e.getCause()));
        }
    }

    /** Every VM, paging through GET /vms. */
    public List<VmStatus> listVms() {
        List<VmStatus> out = new ArrayList<>();
        int offset = 0;
        while (true) {
            Answer a = call("GET", "/vms?offset=" + offset + "&limit=100", null);
            if (!a.ok()) throw new IllegalStateException("GET /vms answered " + a.status() + ": " + a.body());
            JsonNode page = a.json();
            for (JsonNode v : page.get("items")) {
                out.add(new VmStatus(v.get("id").asText(), v.get("state").asText(),
                        v.hasNonNull("boot_ms") ? v.get("boot_ms").asDouble() : -1,
                        v.hasNonNull("created_at") ? Instant.parse(v.get("created_at").asText()) : Instant.EPOCH));
            }
            offset += page.get("items").size();
            if (page.get("items").size() == 0 || offset >= page.get("total").asInt()) return out;
        }
    }

    /**
     * A {@code POST /vms} body (Firecracker's config-file shape plus Flotilla's id) that boots {@code kernel} with
     * {@code bootArgs}: the probe guest with "probe.hold" idles after booting.
     */
    public static String vmBody(String id, Path kernel, String bootArgs, int vcpus, long memMib) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", id);
        root.putObject("boot-source").put("kernel_image_path", kernel.toString()).put("boot_args", bootArgs);
        root.putObject("machine-config").put("vcpu_count", vcpus).put("mem_size_mib", memMib);
        return root.toString();
    }

    private static Duration seconds(String header) {
        try {
            return Duration.ofSeconds(Long.parseLong(header.trim()));
        } catch (NumberFormatException e) {
            return Duration.ofSeconds(1);
        }
    }
}
