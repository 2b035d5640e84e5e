package dev.flotilla.api;

import akka.http.javadsl.model.HttpRequest;
import dev.flotilla.api.json.Json;
import java.util.Map;

/**
 * One routed request as a handler sees it: the route, the validated path parameters, the request and its body
 * (read in full, within the size limit; empty for GET and DELETE).
 */
public record Call(ApiRoute route, Map<String, String> params, HttpRequest request, byte[] body) {

    /** The VM id from the path (already validated). */
    public String id() {
        return params.get("id");
    }

    public String param(String name) {
        return params.get(name);
    }

    /** The body as {@code type}; a 400 naming the field on any mismatch. */
    public <T> T body(Class<T> type, String what) {
        return Json.parse(body, type, what);
    }
}
