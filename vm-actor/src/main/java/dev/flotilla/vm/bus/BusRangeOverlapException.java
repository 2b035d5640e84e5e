package dev.flotilla.vm.bus;

/** Thrown by {@link Bus.Builder#build()} when two devices were given intersecting ranges. */
public final class BusRangeOverlapException extends IllegalArgumentException {

    BusRangeOverlapException(String message) {
        super(message);
    }
}
