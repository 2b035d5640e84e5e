package dev.flotilla.fleet;

import com.typesafe.config.Config;
import dev.flotilla.fleet.placement.OverCommit;
import dev.flotilla.fleet.placement.PlacementStrategy;
import dev.flotilla.fleet.restart.RestartSettings;
import java.time.Duration;

/**
 * How the fleet admits, places and restarts VMs. Defaults and their meaning are in this module's
 * reference.conf under {@code flotilla.fleet}; {@link #fromConfig} reads them.
 *
 * @param admissionRatePerSecond sustained VM creations (POST /vms, InstanceStart) per second
 * @param admissionBurst         creations admitted back to back from a full bucket
 * @param overCommit             capacity = host cores and RAM budget × these ratios (applied by each HostAgent;
 *                               the RAM budget is in {@link dev.flotilla.fleet.host.HostMemorySettings})
 * @param placement              bin-pack or spread
 * @param restart                backoff and crash-loop cap of the restart policies
 * @param answerStartWithin      how long a create or InstanceStart waits for its VM to run before it is
 *                               answered with the VM as it is (durable, still starting); shorter than the
 *                               API's ask timeout, so no client is told of a failure for a VM being created
 * @param maxInterruptedStarts   starts in a row during which the daemon died (kill -9, OOM killer, crash)
 *                               after which a VM is recorded as failed and not started again
 * @param startupStashCapacity   requests held while the desired state loads at start-up; beyond it they
 *                               are refused (RATE_LIMITED with a short Retry-After), never dropped
 */
public record FleetSettings(double admissionRatePerSecond, int admissionBurst, OverCommit overCommit,
                            PlacementStrategy placement, RestartSettings restart, Duration answerStartWithin,
                            int maxInterruptedStarts, int startupStashCapacity) {

    public static final FleetSettings DEFAULT = new FleetSettings(150, 150, new OverCommit(128, 1.0),
            PlacementStrategy.BIN_PACK, RestartSettings.DEFAULT, Duration.ofSeconds(5), 3, 10_000);

    public FleetSettings {
        if (!(admissionRatePerSecond > 0)) {
            throw new IllegalArgumentException("flotilla.fleet.admission.rate-per-second must be > 0, not " + admissionRatePerSecond);
        }
        if (admissionBurst < 1) {
            throw new IllegalArgumentException("flotilla.fleet.admission.burst must be >= 1, not " + admissionBurst);
        }
        if (answerStartWithin.isNegative() || answerStartWithin.isZero()) {
            throw new IllegalArgumentException("flotilla.fleet.answer-start-within must be > 0");
        }
        if (maxInterruptedStarts < 1) {
            throw new IllegalArgumentException("flotilla.fleet.max-interrupted-starts must be >= 1, not " + maxInterruptedStarts);
        }
        if (startupStashCapacity < 1) {
            throw new IllegalArgumentException("flotilla.fleet.startup-stash-capacity must be >= 1");
        }
    }

    /** Reads {@code flotilla.fleet} (see reference.conf for every key). */
    public static FleetSettings fromConfig(Config config) {
        Config c = config.getConfig("flotilla.fleet");
        return new FleetSettings(
                c.getDouble("admission.rate-per-second"),
                c.getInt("admission.burst"),
                new OverCommit(c.getDouble("over-commit.cpu"), c.getDouble("over-commit.memory")),
                PlacementStrategy.fromConfigName(c.getString("placement")),
                new RestartSettings(c.getDuration("restart.min-backoff"), c.getDuration("restart.max-backoff"),
                        c.getInt("restart.max-quick-restarts"), c.getDuration("restart.stable-after")),
                c.getDuration("answer-start-within"),
                c.getInt("max-interrupted-starts"),
                c.getInt("startup-stash-capacity"));
    }

    public FleetSettings withAdmission(double ratePerSecond, int burst) {
        return new FleetSettings(ratePerSecond, burst, overCommit, placement, restart, answerStartWithin,
                maxInterruptedStarts, startupStashCapacity);
    }

    public FleetSettings withOverCommit(OverCommit o) {
        return new FleetSettings(admissionRatePerSecond, admissionBurst, o, placement, restart, answerStartWithin,
                maxInterruptedStarts, startupStashCapacity);
    }

    public FleetSettings withPlacement(PlacementStrategy p) {
        return new FleetSettings(admissionRatePerSecond, admissionBurst, overCommit, p, restart, answerStartWithin,
                maxInterruptedStarts, startupStashCapacity);
    }

    public FleetSettings withRestart(RestartSettings r) {
        return new FleetSettings(admissionRatePerSecond, admissionBurst, overCommit, placement, r, answerStartWithin,
                maxInterruptedStarts, startupStashCapacity);
    }

    public FleetSettings withAnswerStartWithin(Duration d) {
        return new FleetSettings(admissionRatePerSecond, admissionBurst, overCommit, placement, restart, d, maxInterruptedStarts,
                startupStashCapacity);
    }

    public FleetSettings withMaxInterruptedStarts(int n) {
        return new FleetSettings(admissionRatePerSecond, admissionBurst, overCommit, placement, restart, answerStartWithin, n,
                startupStashCapacity);
    }
}
