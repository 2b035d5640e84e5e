package dev.flotilla.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every route the server has: method and path template. The router dispatches on this table and the OpenAPI
 * test checks {@code openapi.yaml} against it, so a route cannot exist undocumented (or the other way round).
 * Template parameters are {@code {name}} segments; their values are validated before any handler runs.
 */
public enum ApiRoute {
    // Firecracker-compatible per-VM resources (Firecracker's paths under /vms/{id})
    DESCRIBE_INSTANCE("GET", "/vms/{id}"),
    PUT_BOOT_SOURCE("PUT", "/vms/{id}/boot-source"),
    GET_MACHINE_CONFIG("GET", "/vms/{id}/machine-config"),
    PUT_MACHINE_CONFIG("PUT", "/vms/{id}/machine-config"),
    PATCH_MACHINE_CONFIG("PATCH", "/vms/{id}/machine-config"),
    PUT_DRIVE("PUT", "/vms/{id}/drives/{drive_id}"),
    PATCH_DRIVE("PATCH", "/vms/{id}/drives/{drive_id}"),
    PUT_NETWORK_INTERFACE("PUT", "/vms/{id}/network-interfaces/{iface_id}"),
    PATCH_NETWORK_INTERFACE("PATCH", "/vms/{id}/network-interfaces/{iface_id}"),
    PUT_VSOCK("PUT", "/vms/{id}/vsock"),
    PUT_ENTROPY("PUT", "/vms/{id}/entropy"),
    GET_BALLOON("GET", "/vms/{id}/balloon"),
    PUT_BALLOON("PUT", "/vms/{id}/balloon"),
    PATCH_BALLOON("PATCH", "/vms/{id}/balloon"),
    GET_BALLOON_STATISTICS("GET", "/vms/{id}/balloon/statistics"),
    PATCH_BALLOON_STATISTICS("PATCH", "/vms/{id}/balloon/statistics"),
    PUT_LOGGER("PUT", "/vms/{id}/logger"),
    PUT_METRICS("PUT", "/vms/{id}/metrics"),
    PUT_ACTIONS("PUT", "/vms/{id}/actions"),
    PATCH_VM("PATCH", "/vms/{id}/vm"),
    GET_CONFIG("GET", "/vms/{id}/config"),
    /** Firecracker's own path for the same document, so an unmodified Firecracker client finds it. */
    GET_VM_CONFIG("GET", "/vms/{id}/vm/config"),
    // Fleet resources
    CREATE_VM("POST", "/vms"),
    LIST_VMS("GET", "/vms"),
    DELETE_VM("DELETE", "/vms/{id}"),
    /** The fleet's view of one VM (state, host, boot time, end reason, config): what GET /vms lists, for one id. */
    VM_STATUS("GET", "/vms/{id}/status"),
    LIST_HOSTS("GET", "/hosts"),
    EVENTS("GET", "/events"),
    OPENAPI("GET", "/openapi.yaml");

    private final String method;
    private final String template;
    private final List<String> segments;

    ApiRoute(String method, String template) {
        this.method = method;
        this.template = template;
        this.segments = List.of(template.substring(1).split("/"));
    }

    public String method() {
        return method;
    }

    public String template() {
        return template;
    }

    /** PUT, PATCH and POST carry a JSON body. */
    public boolean hasBody() {
        return method.equals("PUT") || method.equals("PATCH") || method.equals("POST");
    }

    /**
     * The path parameters if {@code path} (decoded segments) has this route's shape, else null. Parameter
     * values are not validated here.
     */
    public Map<String, String> match(List<String> path) {
        if (path.size() != segments.size()) return null;
        Map<String, String> params = new java.util.LinkedHashMap<>();
        for (int i = 0; i < segments.size(); i++) {
            String s = segments.get(i);
            if (s.startsWith("{")) {
                params.put(s.substring(1, s.length() - 1), path.get(i));
            } else if (!s.equals(path.get(i))) {
                return null;
            }
        }
        return params;
    }

    /** The routes whose path matches, whatever their method (for 404 vs 405). */
    public static List<ApiRoute> matching(List<String> path) {
        List<ApiRoute> out = new ArrayList<>();
        for (ApiRoute r : values()) if (r.match(path) != null) out.add(r);
        return out;
    }
}
