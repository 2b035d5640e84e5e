package dev.flotilla.vm.ratelimit;

import java.util.function.LongSupplier;

/**
 * A nanosecond clock that moves only when told. Starts away from 0 to catch absolute-time bugs.
 * Volatile: a device worker reads it while the test thread advances it.
 */
public final class FakeClock implements LongSupplier {
    volatile long now = 1_000_000_000_000L;

    @Override
    public long getAsLong() {
        return now;
    }

    public void advanceMs(long ms) {
        now += ms * 1_000_000L;
    }

    public void advanceNanos(long ns) {
        now += ns;
    }
}
