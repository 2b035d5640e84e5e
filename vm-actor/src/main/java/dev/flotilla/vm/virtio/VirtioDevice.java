package dev.flotilla.vm.virtio;

import dev.flotilla.kvm.memory.GuestMemory;

/**
 * A virtio device as the transport sees it: identity, features, queue shape, configuration space
 * and lifecycle. Transport-independent: {@link VirtioMmioTransport} drives it today; a PCI
 * transport could drive the same object.
 *
 * <p><b>Threading.</b> {@link #readConfig}, {@link #writeConfig}, {@link #activate} and
 * {@link #reset} are called on vCPU threads with the transport's lock held, one at a time; they
 * must not block for long and must not call back into the transport's register interface.
 * {@link #queueNotified} is called without that lock, possibly concurrently from several vCPUs
 * or from an eventfd poller, and should only wake the worker that owns the queue. The device's
 * worker calls {@link Interrupts} from its own thread.
 */
public interface VirtioDevice {

    /** The virtio device ID (virtio 1.2 §5: 1 net, 2 block, 4 entropy, 5 balloon, 19 vsock...). */
    int deviceType();

    /**
     * Every feature bit the device can offer, device-specific bits and the ring bits
     * (INDIRECT_DESC, EVENT_IDX) it supports. VERSION_1 is added by the transport.
     */
    long deviceFeatures();

    /** Number of virtqueues. */
    int queueCount();

    /** Largest size the driver may give queue {@code q} (a power of two, at most 32768). */
    int queueMaxSize(int q);

    /**
     * Fills {@code data} from the device configuration space at {@code offset}. The transport
     * zeroes {@code data} first, so bytes past the end of the config space may simply be left.
     */
    void readConfig(long offset, byte[] data);

    /** Applies a driver write to the configuration space; writes to read-only fields are ignored. */
    void writeConfig(long offset, byte[] data);

    /**
     * The driver wrote DRIVER_OK: start serving. The queues and {@code mem} may be used from the
     * device's own worker thread from now until {@link #reset()} returns.
     *
     * @throws VirtioActivationException if the device cannot run with this set-up; the transport
     *         then sets NEEDS_RESET
     */
    void activate(ActivatedQueues queues, GuestMemory mem, Interrupts irq) throws VirtioActivationException;

    /**
     * The driver notified queue {@code q} (an MMIO write to QueueNotify, or the ioeventfd KVM
     * signals instead). Only called on an activated device, for an index below {@link #queueCount()}.
     */
    void queueNotified(int q);

    /**
     * The driver reset the device (Status := 0): stop using the queues and guest memory, forget
     * negotiated state. When this returns the device no longer touches the old queues. Also called
     * for a device that was never activated.
     */
    void reset();
}
