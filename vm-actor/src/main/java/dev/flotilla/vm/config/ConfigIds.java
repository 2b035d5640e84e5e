package dev.flotilla.vm.config;

import java.util.regex.Pattern;

/** Device ids (drive_id, iface_id): as Firecracker, alphanumerics and '_', here also '-', at most 64. */
final class ConfigIds {
    private static final Pattern ID = Pattern.compile("^[a-zA-Z0-9_-]{1,64}$");

    private ConfigIds() {}

    static void check(String field, String id) {
        if (id == null || !ID.matcher(id).matches()) {
            String shown = id == null ? "null" : id.length() > 70 ? id.substring(0, 64) + "..." : id;
            throw new InvalidConfigException(field, field + " '" + shown + "' is invalid: use 1-64 of a-z, A-Z, 0-9, '_' and '-'");
        }
    }
}
