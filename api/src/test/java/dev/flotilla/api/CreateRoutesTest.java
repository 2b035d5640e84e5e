package dev.flotilla.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * POST /vms as a client sees its answers: 201 running, 202 still starting (with a Location to follow), 200 for a
 * repeat of an earlier creation (same id or Idempotency-Key, same body), 409 for the same id or key with another
 * body, and a 503 that says the outcome is unknown and how to repeat safely.
 */
class CreateRoutesTest {

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

    private static ApiTestServer.Reply postWithKey(String key, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api.base + "/vms")).timeout(Duration.ofSeconds(10))
                .header("Idempotency-Key", key);
        return api.send(b, "POST", body, "application/json");
    }

    @Test
    void theSameIdAndBodyAgainIs200WithThatVmAndAnotherBodyIs409() {
        ApiTestServer.Reply first = api.post("/vms", api.config("same", null));
        assertEquals(201, first.status(), first.body());
        ApiTestServer.Reply again = api.post("/vms", api.config("same", null));
        assertEquals(200, again.status(), again.body());
        assertEquals("/vms/same", again.header("Location"));
        assertEquals(first.json().get("created_at"), again.json().get("created_at"));
        api.post("/vms", api.config("same", "\"labels\":{\"changed\":\"yes\"}")).refuses(409, "same");
    }

    @Test
    void anIdLessCreateRetriedUnderItsIdempotencyKeyMakesOneVm() {
        String body = api.config(null, "\"labels\":{\"retry\":\"k1\"}");
        ApiTestServer.Reply first = postWithKey("k1-3f2a", body);
        assertEquals(201, first.status(), first.body());
        ApiTestServer.Reply retry = postWithKey("k1-3f2a", body);
        assertEquals(200, retry.status(), retry.body());
        assertEquals(first.json().get("id"), retry.json().get("id"), "the retry answers with the VM the first made");
        assertEquals(1, api.get("/vms?label=retry=k1").json().get("total").asInt());
        // without the key the same body is a new VM, as before
        ApiTestServer.Reply other = api.post("/vms", body);
        assertEquals(201, other.status());
        assertNotEquals(first.json().get("id"), other.json().get("id"));
    }

    @Test
    void anIdempotencyKeyReusedWithAnotherBodyIs409() {
        assertEquals(201, postWithKey("k2", api.config(null, "\"labels\":{\"n\":\"1\"}")).status());
        postWithKey("k2", api.config(null, "\"labels\":{\"n\":\"2\"}")).refuses(409, "another configuration");
    }

    @Test
    void aBadIdempotencyKeyIs400() {
        postWithKey("has space", api.config(null, null)).refuses(400, "Idempotency-Key");
        postWithKey("x".repeat(256), api.config(null, null)).refuses(400, "Idempotency-Key");
    }

    @Test
    void aCreateStillStartingIs202WithItsLocation() {
        ApiTestServer.Reply r = api.post("/vms", api.config("slow-boot", "\"labels\":{\"test\":\"slow\"}"));
        assertEquals(202, r.status(), r.body());
        assertEquals("/vms/slow-boot", r.header("Location"));
        assertEquals("starting", r.json().get("state").asText());
        assertEquals(200, api.get("/vms/slow-boot").status(), "it exists: the client follows the Location");
    }

    @Test
    void aCreateTheFleetDidNotAnswerSaysTheOutcomeIsUnknownAndHowToRepeatSafely() {
        ApiTestServer.Reply withId = api.post("/vms", api.config("quiet", "\"labels\":{\"test\":\"silent\"}"));
        withId.refuses(503, "may or may not have been created");
        assertTrue(withId.body().contains("repeat the same request"), withId.body());
        ApiTestServer.Reply idLess = api.post("/vms", api.config(null, "\"labels\":{\"test\":\"silent\"}"));
        idLess.refuses(503, "Idempotency-Key");
    }
}
