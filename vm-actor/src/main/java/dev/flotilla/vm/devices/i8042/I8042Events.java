package dev.flotilla.vm.devices.i8042;

/**
 * What an {@link I8042} reports for metrics; every method defaults to nothing. Called on the
 * accessing thread, possibly with the controller's lock held: count and return.
 */
public interface I8042Events {

    /** Reports nothing. */
    I8042Events NONE = new I8042Events() { };

    /** A read the controller cannot answer: not byte-wide, or not at data (0x60) or status (0x64). */
    default void missedRead(long offset, int width) {
    }

    /** A write the controller cannot take: not byte-wide, or not at data or status. */
    default void missedWrite(long offset, int width) {
    }

    /** The guest sent a controller command this model does not implement (it is ignored). */
    default void unknownCommand(int command) {
    }

    /** Bytes were lost because the output buffer was full. */
    default void outputOverflow(int lostBytes) {
    }

    /** The guest pulsed the reset line (counted every time, reported to the VM only once). */
    default void resetPulsed() {
    }
}
