package dev.flotilla.vm.bus;

/**
 * A device register model reachable through a {@link Bus}.
 *
 * <p>Called on vCPU threads, possibly several at once: implementations do their own locking and
 * must never block (no I/O waits, no locks held across anything slow). {@code offset} is relative
 * to the base the device was mapped at; {@code data.length} is the access width (1, 2, 4 or 8 for
 * KVM exits) and is guest-controlled, so a device checks it rather than trusting it.
 */
public interface BusDevice {

    /** Fills {@code data} with the value the guest reads at {@code offset}. */
    void read(long offset, byte[] data);

    /** Applies a guest write of {@code data} at {@code offset}. */
    void write(long offset, byte[] data);
}
