package dev.flotilla.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fleet resources: create-and-boot, list with filters and paging, delete, hosts, the event stream. */
class FleetRoutesTest {

    @TempDir
    static Path tmp;
    static ApiTestServer api;

    @BeforeAll
    static void start() throws Exception {
        api = new ApiTestServer(tmp, null);
    }

    @AfterAll
    static void stop() throws Exception {
        api.close();
    }

    @Test
    void postCreatesAndBootsWithLocationAndView() {
        ApiTestServer.Reply r = api.post("/vms", api.config("burst-1", "\"labels\":{\"team\":\"a\"},\"restart_policy\":\"on-failure\","
                + "\"machine-config\":{\"vcpu_count\":2,\"mem_size_mib\":256},"
                + "\"drives\":[{\"drive_id\":\"rootfs\",\"path_on_host\":\"" + api.rootfs + "\",\"is_root_device\":true,\"is_read_only\":true}],"
                + "\"network-interfaces\":[{\"iface_id\":\"eth0\",\"host_dev_name\":\"tapb1\"}],"
                + "\"vsock\":{\"guest_cid\":3,\"uds_path\":\"" + api.root.resolve("b1.sock") + "\"},"
                + "\"entropy\":{},\"balloon\":{\"amount_mib\":0,\"deflate_on_oom\":true},"
                + "\"logger\":{\"log_path\":\"" + api.root.resolve("b1.log") + "\"},"
                + "\"metrics\":{\"metrics_path\":\"" + api.root.resolve("b1.json") + "\"}"));
        assertEquals(201, r.status(), r.body());
        assertEquals("/vms/burst-1", r.header("Location"));
        JsonNode v = r.json();
        assertEquals("burst-1", v.get("id").asText());
        assertEquals("running", v.get("state").asText());
        assertEquals("Running", v.get("firecracker_state").asText());
        assertEquals("local", v.get("host").asText());
        assertEquals(12.5, v.get("boot_ms").asDouble());
        JsonNode c = v.get("config");
        assertEquals("a", c.get("labels").get("team").asText());
        assertEquals("on-failure", c.get("restart_policy").asText());
        assertEquals(2, c.get("machine-config").get("vcpu_count").asInt());
        assertTrue(c.get("drives").get(0).get("is_read_only").asBoolean());
        assertEquals("tapb1", c.get("network-interfaces").get(0).get("host_dev_name").asText());
        assertEquals("Info", c.get("logger").get("level").asText());
        assertTrue(c.has("entropy") && c.has("balloon") && c.has("vsock") && c.has("metrics"));
        assertEquals("Running", api.get("/vms/burst-1").json().get("state").asText());
        assertEquals(v, api.get("/vms/burst-1/status").json(), "GET /vms/{id}/status is the view POST returned");
        api.get("/vms/nobody/status").refuses(404, "nobody");
    }

    @Test
    void postWithoutIdGeneratesOne() {
        ApiTestServer.Reply r = api.post("/vms", api.config(null, null));
        assertEquals(201, r.status(), r.body());
        String id = r.json().get("id").asText();
        assertTrue(id.matches("vm-[0-9a-f]{12}"), id);
        assertEquals("/vms/" + id, r.header("Location"));
        assertEquals(1, api.get("/vms/" + id + "/machine-config").json().get("vcpu_count").asInt(), "Firecracker's default shape");
    }

    @Test
    void configFromGetCanBePostedAgainUnderAnotherId() throws Exception {
        api.post("/vms", api.config("round-1", "\"labels\":{\"k\":\"v\"},\"drives\":[{\"drive_id\":\"d\",\"path_on_host\":\""
                + api.rootfs + "\",\"is_root_device\":true}]")).json();
        ObjectNode config = (ObjectNode) api.get("/vms/round-1/config").json();
        config.put("id", "round-2");
        ApiTestServer.Reply r = api.post("/vms", ApiTestServer.JSON.writeValueAsString(config));
        assertEquals(201, r.status(), r.body());
        JsonNode again = api.get("/vms/round-2/config").json();
        config.put("id", "round-2");
        assertEquals(config, again);
    }

    @Test
    void postRefusals() {
        api.post("/vms", "{\"id\":\"nk\"}").refuses(400, "boot-source");
        api.post("/vms", api.config("dup", null));
        api.post("/vms", api.config("dup", "\"labels\":{\"other\":\"body\"}")).refuses(409, "dup");
        api.post("/vms", api.config("bad id!", null)).refuses(400, "VM id");
        api.post("/vms", api.config("rp", "\"restart_policy\":\"sometimes\"")).refuses(400, "restart_policy");
        api.post("/vms", api.config("lb", "\"labels\":{\"bad key!\":\"v\"}")).refuses(400, "label");
        api.post("/vms", api.config("lb2", "\"labels\":{\"k\":1}")).refuses(400, "labels");
        api.post("/vms", api.config("mc", "\"machine-config\":{\"vcpu_count\":1}")).refuses(400, "mem_size_mib");
        api.post("/vms", api.config("dd", "\"drives\":[{\"drive_id\":\"a\",\"path_on_host\":\"" + api.rootfs
                + "\",\"is_root_device\":true},{\"drive_id\":\"a\",\"path_on_host\":\"" + api.rootfs + "\",\"is_root_device\":false}]"))
                .refuses(400, "used twice");
        api.post("/vms", api.config("mm", "\"mmds-config\":{}")).refuses(400, "mmds-config");
        api.post("/vms", api.config("nl", "\"drives\":[null]")).refuses(400, "drives");
    }

    @Test
    void overTheCreationRateIs429WithRetryAfter() {
        ApiTestServer.Reply r = api.post("/vms", api.config("limited", "\"labels\":{\"test\":\"rate-limited\"}"));
        r.refuses(429, "rate");
        assertEquals("2", r.header("Retry-After"), "1.5 s rounds up to whole seconds");
    }

    @Test
    void noCapacityIs507AndFleetFailureIs500WithItsMessage() {
        api.post("/vms", api.config("full", "\"labels\":{\"test\":\"no-capacity\"}")).refuses(507, "vCPUs");
        api.post("/vms", api.config("broken", "\"labels\":{\"test\":\"internal\"}")).refuses(500, "/dev/kvm");
    }

    @Test
    void aFleetThatDoesNotAnswerIs503NotAHang() {
        // answered by the ask timeout with a 503 that says so; a hang would fail at the client's own timeout
        api.post("/vms", api.config("slow", "\"labels\":{\"test\":\"silent\"}")).refuses(503, "did not answer");
    }

    @Test
    void listFiltersByStateAndLabelAndPages() {
        for (int i = 0; i < 5; i++) api.post("/vms", api.config("page-" + i, "\"labels\":{\"set\":\"paging\",\"odd\":\"" + (i % 2) + "\"}"));
        api.configured("page-conf");
        JsonNode all = api.get("/vms?label=set=paging").json();
        assertEquals(5, all.get("total").asInt());
        assertEquals(5, all.get("items").size());
        JsonNode odd = api.get("/vms?label=set=paging&label=odd=1").json();
        assertEquals(2, odd.get("total").asInt());
        JsonNode page = api.get("/vms?label=set=paging&offset=1&limit=2").json();
        assertEquals(2, page.get("items").size());
        assertEquals("page-1", page.get("items").get(0).get("id").asText());
        assertEquals(1, page.get("offset").asInt());
        assertEquals(2, page.get("limit").asInt());
        JsonNode configuring = api.get("/vms?state=Configuring").json();
        List<String> ids = new ArrayList<>();
        configuring.get("items").forEach(v -> ids.add(v.get("id").asText()));
        assertTrue(ids.contains("page-conf") && !ids.contains("page-0"), ids.toString());
        assertEquals(100, api.get("/vms").json().get("limit").asInt(), "default page");
    }

    @Test
    void listRefusesBadQueries() {
        api.get("/vms?limit=1001").refuses(400, "limit");
        api.get("/vms?limit=0").refuses(400, "limit");
        api.get("/vms?offset=-1").refuses(400, "offset");
        api.get("/vms?limit=ten").refuses(400, "limit");
        api.get("/vms?state=sleeping").refuses(400, "state");
        api.get("/vms?label=novalue").refuses(400, "key=value");
        api.get("/vms?sort=id").refuses(400, "sort");
        api.get("/vms?limit=1&limit=2").refuses(400, "once");
    }

    @Test
    void deleteRemovesAndUnknownIs404() {
        api.post("/vms", api.config("doomed", null));
        api.send("DELETE", "/vms/doomed", null).noContent();
        api.get("/vms/doomed").fault(404);
        api.send("DELETE", "/vms/doomed", null).fault(404);
    }

    @Test
    void hostsShowCapacityAndAllocation() {
        JsonNode hosts = api.get("/hosts").json().get("hosts");
        assertEquals(1, hosts.size());
        JsonNode h = hosts.get(0);
        assertEquals("local", h.get("name").asText());
        assertEquals(4, h.get("vcpu_capacity").asInt());
        assertEquals(8192, h.get("mem_mib_capacity").asInt());
        assertTrue(h.has("vcpus_allocated") && h.has("mem_mib_allocated") && h.has("vm_count"));
        assertEquals("kvm_pvm", h.get("kvm_flavour").asText());
    }

    @Test
    void hostsShowTheMemoryBudgetAndPressure() {
        JsonNode h = api.get("/hosts").json().get("hosts").get(0);
        assertEquals(10240, h.get("mem_total_mib").asLong());
        assertEquals(2048, h.get("mem_reserve_mib").asLong());
        assertEquals(4, h.get("vm_overhead_mib").asLong());
        assertEquals(6000, h.get("mem_available_mib").asLong());
        assertEquals(1.5, h.get("memory_pressure_some_avg10").asDouble());
        assertFalse(h.has("memory_pressure_full_avg10"), "a figure the kernel does not give is absent: " + h);
    }

    @Test
    void eventStreamCarriesStateChangesAsServerSentEvents() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(api.base + "/events")).timeout(Duration.ofSeconds(20)).GET().build();
        HttpResponse<InputStream> r = api.client().send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            // the subscription reaches the fleet asynchronously: create VMs until one shows up on the stream
            CompletableFuture<List<String>> event = CompletableFuture.supplyAsync(() -> readEvent(in));
            for (int i = 0; i < 50 && !event.isDone(); i++) {
                api.post("/vms", api.config("sse-" + i, null));
                Thread.sleep(100);
            }
            List<String> lines = event.get(10, TimeUnit.SECONDS);
            assertTrue(lines.contains("event:vm"), lines.toString());
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("id:")), lines.toString());
            String data = lines.stream().filter(l -> l.startsWith("data:")).findFirst().orElseThrow().substring(5);
            JsonNode e = ApiTestServer.JSON.readTree(data);
            assertTrue(e.get("sequence").asLong() > 0);
            assertTrue(e.get("vm").get("id").asText().startsWith("sse-"));
            assertEquals("running", e.get("vm").get("state").asText());
            assertFalse(e.get("at").asText().isEmpty());
        }
    }

    @Test
    void eventStreamsAreBounded() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(api.base + "/events")).timeout(Duration.ofSeconds(20)).GET().build();
        List<HttpResponse<InputStream>> open = new ArrayList<>();
        try {
            // the server allows 2 (ApiTestServer); an earlier test's stream may still be closing, so allow for it
            ApiTestServer.Reply refused = null;
            for (int i = 0; i < 4 && refused == null; i++) {
                HttpResponse<InputStream> r = api.client().send(req, HttpResponse.BodyHandlers.ofInputStream());
                if (r.statusCode() == 200) {
                    open.add(r);
                } else {
                    String body = new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
                    refused = new ApiTestServer.Reply(r.statusCode(), body, null);
                }
            }
            assertTrue(refused != null, "a third stream is refused");
            refused.refuses(503, "event streams");
            assertTrue(open.size() <= 2);
        } finally {
            for (HttpResponse<InputStream> r : open) r.body().close();
        }
    }

    @Test
    void eventStreamRefusesClientsThatDoNotAcceptIt() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(api.base + "/events")).header("Accept", "application/json").GET().build();
        HttpResponse<String> r = api.client().send(req, HttpResponse.BodyHandlers.ofString());
        new ApiTestServer.Reply(r.statusCode(), r.body(), r).refuses(406, "text/event-stream");
    }

    private static List<String> readEvent(BufferedReader in) {
        List<String> lines = new ArrayList<>();
        try {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (lines.contains("event:vm")) return lines; // else a keep-alive
                    lines.clear();
                } else {
                    lines.add(line);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return lines;
    }
}
