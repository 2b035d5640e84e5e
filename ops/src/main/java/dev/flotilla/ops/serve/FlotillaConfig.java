package dev.flotilla.ops.serve;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The daemon's configuration, most specific first: {@code -D} system properties, the file given with
 * {@code --config}, the embedded {@code flotilla.conf} (defaults that work on one host), then every
 * module's {@code reference.conf} (Akka, Kamon, api, fleet, vm-actor).
 */
public final class FlotillaConfig {

    private FlotillaConfig() {}

    /**
     * @throws IllegalArgumentException naming the file and the problem when it is missing or not HOCON
     */
    public static Config load(Optional<Path> file) {
        Config user = ConfigFactory.empty();
        if (file.isPresent()) {
            Path f = file.get();
            if (!Files.isRegularFile(f)) {
                throw new IllegalArgumentException("config file " + f + " does not exist: give a HOCON file (see flotilla.conf in the jar for the keys)");
            }
            try {
                user = ConfigFactory.parseFile(f.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
            } catch (ConfigException e) {
                throw new IllegalArgumentException("config file " + f + " cannot be read: " + e.getMessage(), e);
            }
        }
        return withDefaults(user);
    }

    /** {@code overrides} over the embedded defaults, resolved (environment variables fill {@code ${?VAR}}). */
    public static Config withDefaults(Config overrides) {
        ConfigFactory.invalidateCaches();
        try {
            return ConfigFactory.defaultOverrides()
                    .withFallback(overrides)
                    .withFallback(ConfigFactory.parseResources(FlotillaConfig.class.getClassLoader(), "flotilla.conf"))
                    .withFallback(ConfigFactory.defaultApplication())
                    .withFallback(ConfigFactory.defaultReference())
                    .resolve();
        } catch (ConfigException e) {
            throw new IllegalArgumentException("the configuration is not valid: " + e.getMessage(), e);
        }
    }
}
