package dev.flotilla.vm.devices;

import java.util.Map;

/** What a running device offers its control plane: live updates and a metrics snapshot. Any thread. */
public interface LiveDevice {

    /** Counters for metrics (Firecracker's per-device metric names where they exist). */
    Map<String, Long> counters();

    /**
     * Applies a post-boot change; never blocks (work the data path must do, like installing a new
     * backing file between two requests, completes the returned stage).
     *
     * @throws dev.flotilla.vm.config.InvalidConfigException if this device does not take that change,
     *         or the change itself is refused (e.g. a new backing file that cannot be opened)
     */
    java.util.concurrent.CompletionStage<Void> apply(DeviceUpdate update);
}
