package dev.flotilla.ops.serve;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.api.ApiSettings;
import dev.flotilla.fleet.FleetSettings;
import org.junit.jupiter.api.Test;

/** The daemon refuses a configuration in which the API could give up (503) on a creation the fleet still answers. */
class DaemonAnswerTimesTest {

    @Test
    void theDefaultsAnswerASlowStartBeforeTheApiGivesUp() {
        Config c = FlotillaConfig.withDefaults(ConfigFactory.empty());
        Daemon.checkAnswerTimes(FleetSettings.fromConfig(c), ApiSettings.fromConfig(c));
    }

    @Test
    void anAnswerTimeAtOrAboveTheAskTimeoutIsRefusedSayingWhatToChange() {
        Config c = FlotillaConfig.withDefaults(ConfigFactory.parseString(
                "flotilla.fleet.answer-start-within = 10s\nflotilla.api.ask-timeout = 10s"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Daemon.checkAnswerTimes(FleetSettings.fromConfig(c), ApiSettings.fromConfig(c)));
        assertTrue(e.getMessage().contains("flotilla.fleet.answer-start-within") && e.getMessage().contains("flotilla.api.ask-timeout"),
                e.getMessage());
    }
}
