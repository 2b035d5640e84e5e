package dev.flotilla.ops.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.api.ApiSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import dev.flotilla.vm.console.ConsoleFileLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeSettingsTest {

    @TempDir
    Path dir;

    @Test
    void stateDirComesFromFlotillaStateThenXdgDataHomeThenHome() {
        assertEquals(Path.of("/s"), ServeSettings.defaultStateDir(Map.of("FLOTILLA_STATE", "/s", "XDG_DATA_HOME", "/x"), "/home/u"));
        assertEquals(Path.of("/x/flotilla"), ServeSettings.defaultStateDir(Map.of("XDG_DATA_HOME", "/x"), "/home/u"));
        assertEquals(Path.of("/home/u/.local/share/flotilla"), ServeSettings.defaultStateDir(Map.of("XDG_DATA_HOME", "rel"), "/home/u"));
        assertEquals(Path.of("/home/u/.local/share/flotilla"), ServeSettings.defaultStateDir(Map.of(), "/home/u"));
    }

    @Test
    void embeddedDefaultsBindLoopbackOnlyAndWork() {
        Config c = FlotillaConfig.withDefaults(ConfigFactory.empty());
        ServeSettings s = ServeSettings.fromConfig(c);
        assertEquals(Duration.ofSeconds(60), s.firecrackerFlushInterval(), "Firecracker flushes metrics every 60 s");
        assertEquals(s.stateDir().resolve("flotilla.db"), s.database());
        assertEquals(Optional.of(s.stateDir().resolve("consoles")), s.consoleFilesDir());
        assertEquals("127.0.0.1", c.getString("kamon.prometheus.embedded-server.hostname"), "the scrape endpoint has no token");
        assertEquals("127.0.0.1", ApiSettings.fromConfig(c).bindAddress());
        assertEquals(8080, ApiSettings.fromConfig(c).port());
        assertEquals(false, c.getBoolean("akka.coordinated-shutdown.run-by-jvm-shutdown-hook"), "the daemon stops in its own order");
    }

    @Test
    void aUserFileOverridesTheDefaults() throws Exception {
        Path f = dir.resolve("serve.conf");
        Files.writeString(f, "flotilla.serve.state-dir = \"" + dir + "/st\"\nflotilla.api.port = 9999\nflotilla.metrics.poll-interval = 2s\n");
        Config c = FlotillaConfig.load(Optional.of(f));
        assertEquals(dir.resolve("st"), ServeSettings.fromConfig(c).stateDir());
        assertEquals(Duration.ofSeconds(2), ServeSettings.fromConfig(c).pollInterval());
        assertEquals(9999, ApiSettings.fromConfig(c).port());
    }

    @Test
    void aMissingOrBrokenFileIsNamed() throws Exception {
        Path missing = dir.resolve("nope.conf");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FlotillaConfig.load(Optional.of(missing)));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        Path broken = dir.resolve("broken.conf");
        Files.writeString(broken, "flotilla { serve {");
        e = assertThrows(IllegalArgumentException.class, () -> FlotillaConfig.load(Optional.of(broken)));
        assertTrue(e.getMessage().contains(broken.toString()), e.getMessage());
    }

    @Test
    void consolesHaveTheirOwnCappedDirectoryAndTheDaemonLowersItsOomScoreByDefault() {
        ServeSettings s = ServeSettings.fromConfig(FlotillaConfig.withDefaults(ConfigFactory.parseString(
                "flotilla.serve.state-dir = \"" + dir + "/st\"")));
        assertEquals(dir.resolve("st/consoles"), s.consoleDir());
        assertEquals(new ConsoleFileLimits(2L << 20, 512L << 20), s.consoleLimits());
        assertEquals(OptionalInt.of(-500), s.oomScoreAdj());

        ServeSettings moved = ServeSettings.fromConfig(FlotillaConfig.withDefaults(ConfigFactory.parseString(
                "flotilla.serve { state-dir = \"" + dir + "/st\", console-dir = \"" + dir + "/cons\", console-max-size = 8MiB, "
                        + "console-min-free = 0, oom-score-adj = \"\" }")));
        assertEquals(dir.resolve("cons"), moved.consoleDir());
        assertEquals(new ConsoleFileLimits(8L << 20, 0), moved.consoleLimits());
        assertEquals(OptionalInt.empty(), moved.oomScoreAdj());
    }

    @Test
    void aBadOomScoreOrConsoleSizeNamesItsKey() {
        for (String bad : new String[] {"flotilla.serve.oom-score-adj = 2000", "flotilla.serve.oom-score-adj = lots",
                "flotilla.serve.console-max-size = 1"}) {
            Config c = FlotillaConfig.withDefaults(ConfigFactory.parseString(bad));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServeSettings.fromConfig(c));
            assertTrue(e.getMessage().contains(bad.substring(0, bad.indexOf(' '))), e.getMessage());
        }
    }

    @Test
    void aZeroPollIntervalIsRefusedWithItsKey() {
        Config c = FlotillaConfig.withDefaults(ConfigFactory.parseString("flotilla.metrics.poll-interval = 0s"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServeSettings.fromConfig(c));
        assertTrue(e.getMessage().contains("flotilla.metrics.poll-interval"), e.getMessage());
    }
}
