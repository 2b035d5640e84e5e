package dev.flotilla.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.fleet.placement.PlacementStrategy;
import org.junit.jupiter.api.Test;

class FleetSettingsTest {

    @Test
    void referenceConfIsTheDefault() {
        assertEquals(FleetSettings.DEFAULT, FleetSettings.fromConfig(ConfigFactory.load()));
    }

    @Test
    void overridesAreRead() {
        FleetSettings s = FleetSettings.fromConfig(ConfigFactory.parseString(
                "flotilla.fleet { admission.rate-per-second = 100, admission.burst = 20, placement = spread,"
                        + " over-commit.cpu = 2, restart.max-quick-restarts = 9 }").withFallback(ConfigFactory.load()));
        assertEquals(100, s.admissionRatePerSecond());
        assertEquals(20, s.admissionBurst());
        assertEquals(PlacementStrategy.SPREAD, s.placement());
        assertEquals(2, s.overCommit().cpuRatio());
        assertEquals(9, s.restart().maxQuickRestarts());
    }

    @Test
    void aBadValueNamesItsKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FleetSettings.fromConfig(
                ConfigFactory.parseString("flotilla.fleet.admission.burst = 0").withFallback(ConfigFactory.load())));
        assertTrue(e.getMessage().contains("flotilla.fleet.admission.burst"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FleetSettings.fromConfig(
                ConfigFactory.parseString("flotilla.fleet.placement = random").withFallback(ConfigFactory.load())));
    }
}
