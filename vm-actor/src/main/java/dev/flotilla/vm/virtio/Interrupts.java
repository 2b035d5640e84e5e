package dev.flotilla.vm.virtio;

/**
 * How an activated device talks back to the driver. Implemented by the transport; safe to call
 * from any thread (the device worker, usually), never blocks, and takes no lock the transport
 * holds while calling into the device — so a device may call it with its own lock held.
 */
public interface Interrupts {

    /**
     * Raises the used-buffer interrupt for queue {@code queue}. Call it when
     * {@link SplitQueue#needsNotification()} says the driver wants one.
     */
    void signalUsedBuffer(int queue);

    /** The device changed its configuration space: bumps ConfigGeneration and raises the config interrupt. */
    void signalConfigChange();

    /**
     * The device hit an error it cannot recover from without the driver resetting it (a broken
     * queue, a backend failure): sets NEEDS_RESET and, once the driver is running, tells it.
     *
     * @param reason for the VM's log and metrics
     */
    void signalNeedsReset(String reason);
}
