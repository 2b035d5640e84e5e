package dev.flotilla.vm.devices.serial;

/**
 * What a {@link Serial8250} reports for metrics and flow control; every method defaults to nothing.
 *
 * <p>Called (mostly with the UART's lock held) on the thread that caused the event (a vCPU thread for guest
 * accesses, the caller of {@code enqueueInput} for input): implementations count or signal and
 * return, and never call back into the UART.
 */
public interface SerialEvents {

    /** Reports nothing. */
    SerialEvents NONE = new SerialEvents() { };

    /** The guest transmitted one byte (outside loopback), already handed to the console. */
    default void transmitted(int value) {
    }

    /** The host put {@code count} bytes into the receive FIFO. */
    default void received(int count) {
    }

    /** The host offered {@code count} bytes the FIFO had no room for (or loopback mode refused). */
    default void inputRefused(int count) {
    }

    /** The guest read the last byte of the receive FIFO: a good moment to offer more input. */
    default void inputDrained() {
    }

    /** A loopback byte found the receive FIFO full and was lost (the guest sees LSR overrun). */
    default void overrun() {
    }

    /** The guest accessed a register with a width other than 1 byte or outside the 8 registers. */
    default void invalidAccess(long offset, int width, boolean write) {
    }
}
