package dev.flotilla.vm.ratelimit;

import java.util.function.LongSupplier;

/** A nanosecond clock that moves only when told. Starts away from 0 to catch absolute-time bugs. */
final class FakeClock implements LongSupplier {
    long now = 1_000_000_000_000L;

    @Override
    public long getAsLong() {
        return now;
    }

    void advanceMs(long ms) {
        now += ms * 1_000_000L;
    }

    void advanceNanos(long ns) {
        now += ns;
    }
}
