package dev.flotilla.vm.bus;

import java.util.Objects;

/**
 * One device's window on a bus: addresses {@code [base, base + length)}.
 *
 * @param name   what the device is, for error messages and diagnostics ("serial COM1")
 * @param base   first address of the window
 * @param length window size in bytes, at least 1
 * @param device the register model that answers accesses inside the window
 */
public record BusMapping(String name, long base, long length, BusDevice device) {

    public BusMapping {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(device, "device");
        if (base < 0) {
            throw new IllegalArgumentException("bus mapping '" + name + "': base 0x" + Long.toHexString(base)
                    + " is negative; bus addresses are 0 .. 2^63-1");
        }
        if (length <= 0) {
            throw new IllegalArgumentException("bus mapping '" + name + "': length " + length + " must be at least 1");
        }
        if (base + length < 0) {
            throw new IllegalArgumentException("bus mapping '" + name + "': base 0x" + Long.toHexString(base)
                    + " + length 0x" + Long.toHexString(length) + " overflows the address space");
        }
    }

    /** The first address after the window. */
    public long end() {
        return base + length;
    }

    @Override
    public String toString() {
        return name + " [0x" + Long.toHexString(base) + ", 0x" + Long.toHexString(end()) + ")";
    }
}
