package dev.flotilla.vm.virtio;

import dev.flotilla.vm.bus.IrqTrigger;

/**
 * The InterruptStatus register and the interrupt line it drives: {@code set(true)} on every raise (an
 * edge-wired irqfd pulses each time, as Firecracker does), {@code set(false)} once the driver has
 * acknowledged every pending bit. Thread-safe on its own lock, which it never holds while taking another,
 * so device workers may raise while holding theirs.
 */
final class InterruptStatus {

    private final IrqTrigger irq;
    private int bits;

    InterruptStatus(IrqTrigger irq) {
        this.irq = irq;
    }

    synchronized int get() {
        return bits;
    }

    synchronized void raise(int bit) {
        bits |= bit;
        irq.set(true);
    }

    /** An InterruptACK write: clears {@code ack}, and lowers the line when nothing is pending any more. */
    synchronized void acknowledge(int ack) {
        int before = bits;
        bits &= ~ack;
        if (before != 0 && bits == 0) {
            irq.set(false);
        }
    }

    /** A device reset: nothing pending, line low. */
    synchronized void clear() {
        if (bits != 0) {
            bits = 0;
            irq.set(false);
        }
    }

    /** The pending bits a snapshot saved; the line is raised again by {@link #reassert()}. */
    synchronized void restore(int saved) {
        bits = saved;
    }

    /** After a restore: raise the line again if the guest had an interrupt pending. */
    void reassert() {
        if (get() != 0) {
            irq.set(true);
        }
    }
}
