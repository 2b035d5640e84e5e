package dev.flotilla.vm.virtio;

import java.util.Arrays;

/**
 * What the driver set up by the time it wrote DRIVER_OK: the queues it made ready and the
 * features it accepted. Handed to {@link VirtioDevice#activate}; immutable.
 */
public final class ActivatedQueues {

    private final SplitQueue[] queues;
    private final long features;

    /** @param queues one slot per device queue, null where the driver did not make that queue ready */
    public ActivatedQueues(SplitQueue[] queues, long features) {
        this.queues = queues.clone();
        this.features = features;
    }

    /** Number of queues the device has (ready or not). */
    public int count() {
        return queues.length;
    }

    /** True if the driver set up queue {@code q}. */
    public boolean isReady(int q) {
        return q >= 0 && q < queues.length && queues[q] != null;
    }

    /**
     * @throws IllegalStateException if the driver did not set up queue {@code q}; check
     *         {@link #isReady} for queues the device can run without
     */
    public SplitQueue queue(int q) {
        if (!isReady(q)) {
            throw new IllegalStateException("queue " + q + " of " + queues.length + " was not made ready by the driver");
        }
        return queues[q];
    }

    /** True if every queue is ready: what most devices require before they run. */
    public boolean allReady() {
        return Arrays.stream(queues).allMatch(java.util.Objects::nonNull);
    }

    /** The negotiated features (device offer AND driver acceptance). */
    public long features() {
        return features;
    }

    public boolean hasFeature(long bit) {
        return (features & bit) != 0;
    }
}
