package dev.flotilla.fleet;

import dev.flotilla.vm.config.InvalidConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where one VM's VMM log goes, Firecracker's {@code Logger} ({@code PUT /logger}): a file or named pipe, the
 * level (one of {@link #LEVELS}, matched case-insensitively and kept in this spelling), and the decorations.
 * The path has already been confined to the API's allowed roots when this is built from a request.
 */
public record LoggerConfig(Path logPath, String level, boolean showLevel, boolean showLogOrigin, Optional<String> module) {

    public static final List<String> LEVELS = List.of("Error", "Warning", "Info", "Debug", "Trace", "Off");

    public LoggerConfig {
        if (logPath == null || logPath.toString().isEmpty()) {
            throw new InvalidConfigException("log_path", "log_path is missing: give the file or named pipe the VM's log goes to");
        }
        if (level == null) level = "Info";
        String canonical = null;
        for (String l : LEVELS) if (l.equalsIgnoreCase(level)) canonical = l;
        if (canonical == null) {
            throw new InvalidConfigException("level", "level '" + level + "' is not a log level: use one of " + String.join(", ", LEVELS));
        }
        level = canonical;
        if (module == null) module = Optional.empty();
        if (module.isPresent() && (module.get().isEmpty() || module.get().length() > 256)) {
            throw new InvalidConfigException("module", "module must be 1 to 256 characters (a module path such as api_server::request)");
        }
    }
}
