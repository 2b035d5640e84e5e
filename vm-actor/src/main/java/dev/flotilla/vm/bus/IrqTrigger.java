package dev.flotilla.vm.bus;

/**
 * One interrupt line as a device sees it.
 *
 * <p>Edge-wired lines (an irqfd on an edge-triggered ISA GSI, the Firecracker way) implement only
 * {@link #trigger()}; devices report their output level through {@link #set(boolean)} on every
 * change, which for such lines pulses on the rising edge and ignores the fall. A level-wired line
 * (KVM_IRQ_LINE, or an irqfd with a resample fd) overrides {@code set}. Devices call this with
 * their own lock held, so an implementation must be quick and must not call back into the device.
 */
@FunctionalInterface
public interface IrqTrigger {

    /** A line that goes nowhere: for devices whose interrupt is not wired, and for tests. */
    IrqTrigger NONE = () -> { };

    /** Pulses the line once. */
    void trigger();

    /** The device's interrupt output changed to {@code asserted}. */
    default void set(boolean asserted) {
        if (asserted) {
            trigger();
        }
    }
}
