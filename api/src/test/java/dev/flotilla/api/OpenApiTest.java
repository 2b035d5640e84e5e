package dev.flotilla.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.flotilla.api.json.Bodies;
import dev.flotilla.api.json.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The served {@code /openapi.yaml} against the server: every route of {@link ApiRoute} documented and nothing
 * documented that the server lacks, every reference resolving, path parameters declared, and each schema named
 * after a {@link Bodies} record having exactly the JSON fields that record reads and writes.
 */
class OpenApiTest {

    private static final Set<String> METHODS = Set.of("get", "put", "patch", "post", "delete", "head", "options");

    @TempDir
    static Path tmp;
    static ApiTestServer api;
    static JsonNode doc;

    @BeforeAll
    static void fetch() throws Exception {
        api = new ApiTestServer(tmp, null);
        ApiTestServer.Reply r = api.get("/openapi.yaml");
        assertEquals(200, r.status());
        assertTrue(r.header("Content-Type").startsWith("application/yaml"), r.header("Content-Type"));
        doc = new YAMLMapper().readTree(r.body());
    }

    @AfterAll
    static void stop() throws Exception {
        api.close();
    }

    @Test
    void documentIsOpenApi3() {
        assertTrue(doc.get("openapi").asText().startsWith("3."));
        assertTrue(doc.get("info").has("title") && doc.get("info").has("version"));
    }

    @Test
    void everyRouteIsDocumentedAndViceVersa() {
        Set<String> served = new TreeSet<>();
        for (ApiRoute r : ApiRoute.values()) served.add(r.method() + " " + r.template());
        Set<String> documented = new TreeSet<>();
        doc.get("paths").fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(m -> {
            if (METHODS.contains(m)) documented.add(m.toUpperCase(Locale.ROOT) + " " + p.getKey());
        }));
        Set<String> undocumented = new TreeSet<>(served);
        undocumented.removeAll(documented);
        Set<String> unserved = new TreeSet<>(documented);
        unserved.removeAll(served);
        assertTrue(undocumented.isEmpty(), "routes missing from openapi.yaml: " + undocumented);
        assertTrue(unserved.isEmpty(), "openapi.yaml documents routes the server lacks: " + unserved);
    }

    @Test
    void everyOperationHasAnIdAndResponsesAndBodyRoutesHaveABody() {
        Set<String> ids = new HashSet<>();
        for (ApiRoute r : ApiRoute.values()) {
            JsonNode op = doc.get("paths").get(r.template()).get(r.method().toLowerCase(Locale.ROOT));
            assertTrue(op.has("operationId"), r + " has an operationId");
            assertTrue(ids.add(op.get("operationId").asText()), "operationId of " + r + " is unique");
            assertTrue(op.has("responses") && op.get("responses").size() > 0, r + " has responses");
            assertEquals(r.hasBody(), op.has("requestBody"), r + ": a request body exactly when the route reads one");
            boolean success = false;
            for (var it = op.get("responses").fieldNames(); it.hasNext(); ) success |= it.next().startsWith("2");
            assertTrue(success, r + " documents its success status");
        }
    }

    @Test
    void pathParametersAreDeclared() {
        Pattern param = Pattern.compile("\\{([a-z_]+)}");
        for (ApiRoute r : ApiRoute.values()) {
            JsonNode path = doc.get("paths").get(r.template());
            Set<String> declared = new HashSet<>();
            List<JsonNode> params = new ArrayList<>();
            if (path.has("parameters")) path.get("parameters").forEach(params::add);
            JsonNode op = path.get(r.method().toLowerCase(Locale.ROOT));
            if (op.has("parameters")) op.get("parameters").forEach(params::add);
            for (JsonNode p : params) {
                JsonNode resolved = p.has("$ref") ? resolve(p.get("$ref").asText()) : p;
                if (resolved.get("in").asText().equals("path")) declared.add(resolved.get("name").asText());
            }
            Matcher m = param.matcher(r.template());
            Set<String> needed = new HashSet<>();
            while (m.find()) needed.add(m.group(1));
            assertEquals(needed, declared, "path parameters of " + r);
        }
    }

    @Test
    void everyReferenceResolves() {
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        assertTrue(refs.size() > 50, "the document uses references: " + refs.size());
        for (String ref : refs) assertTrue(resolve(ref) != null, "unresolved $ref " + ref);
    }

    @Test
    void schemasHaveTheFieldsOfTheirRecords() {
        int compared = 0;
        for (Class<?> c : Bodies.class.getDeclaredClasses()) {
            JsonNode schema = doc.get("components").get("schemas").get(c.getSimpleName());
            if (schema == null) continue;
            Set<String> fields = Json.MAPPER.getSerializationConfig().introspect(Json.MAPPER.constructType(c)).findProperties()
                    .stream().map(BeanPropertyDefinition::getName).collect(Collectors.toCollection(TreeSet::new));
            Set<String> documented = new TreeSet<>();
            schema.get("properties").fieldNames().forEachRemaining(documented::add);
            assertEquals(fields, documented, "schema " + c.getSimpleName());
            compared++;
        }
        assertTrue(compared >= 20, "compared " + compared + " schemas");
        JsonNode error = doc.get("components").get("schemas").get("Error").get("properties");
        assertTrue(error.has("fault_message") && error.size() == 1);
    }

    private static JsonNode resolve(String ref) {
        assertTrue(ref.startsWith("#/"), "local reference: " + ref);
        JsonNode n = doc;
        for (String part : ref.substring(2).split("/")) {
            n = n.get(part);
            if (n == null) return null;
        }
        return n;
    }

    private static void collectRefs(JsonNode n, List<String> out) {
        if (n.isObject()) {
            n.fields().forEachRemaining(e -> {
                if (e.getKey().equals("$ref")) out.add(e.getValue().asText());
                else collectRefs(e.getValue(), out);
            });
        } else if (n.isArray()) {
            n.forEach(x -> collectRefs(x, out));
        }
    }
}
