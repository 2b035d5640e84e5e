package dev.flotilla.vm.virtio;

import java.util.List;
import java.util.Objects;

/**
 * A virtio-mmio transport's saved state for snapshots: the register file, and for each queue the
 * driver's set-up plus the device's ring positions. The device's own state (its config space,
 * backend) is the device's to save; this is only the transport's share.
 *
 * @param status          the Status register (NEEDS_RESET included)
 * @param driverFeatures  the features the driver wrote
 * @param queues          one entry per device queue, in index order
 */
public record VirtioMmioState(int deviceType, int status, int deviceFeaturesSel, int driverFeaturesSel,
                              long driverFeatures, int queueSel, int interruptStatus, int configGeneration,
                              List<Queue> queues) {

    public VirtioMmioState {
        queues = List.copyOf(Objects.requireNonNull(queues, "queues"));
    }

    /**
     * One queue.
     *
     * @param nextAvail the device's next avail-ring position (meaningful once activated)
     * @param nextUsed  the used index the device publishes next (meaningful once activated)
     */
    public record Queue(int size, boolean ready, long desc, long driver, long device, int nextAvail, int nextUsed) {
    }
}
