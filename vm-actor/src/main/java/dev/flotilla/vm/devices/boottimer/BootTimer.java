package dev.flotilla.vm.devices.boottimer;

import dev.flotilla.vm.bus.BusDevice;
import java.util.Arrays;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * The boot timer: the guest writes the byte 123 at offset 0 when it has booted, and the VMM takes
 * the time. The first such write counts; later ones, and any other write, are ignored. Reads return
 * zeros.
 *
 * <p>Threading: thread-safe and lock-free. The listener is called once, on the vCPU thread that
 * wrote the byte: it should record or tell, and return.
 */
public final class BootTimer implements BusDevice {

    /** Where Firecracker puts it: the start of the 32-bit MMIO gap. */
    public static final long MMIO_BASE = 0xC000_0000L;
    /** One page. */
    public static final int MMIO_SIZE = 0x1000;
    /** The byte a guest writes to say "booted". */
    public static final int MAGIC_BOOT_COMPLETE = 123;

    private final LongSupplier clock;
    private final LongConsumer listener;
    /** Null until the guest has booted; set once. */
    private final AtomicReference<Long> bootCompleteNanos = new AtomicReference<>();

    /**
     * @param clock    the time source, {@code System::nanoTime} in a VM
     * @param listener told the clock value of the first boot-complete write
     */
    public BootTimer(LongSupplier clock, LongConsumer listener) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** A boot timer on {@link System#nanoTime()}. */
    public BootTimer(LongConsumer listener) {
        this(System::nanoTime, listener);
    }

    @Override
    public void read(long offset, byte[] data) {
        Arrays.fill(data, (byte) 0);
    }

    @Override
    public void write(long offset, byte[] data) {
        // Only the first byte of the access counts, whatever its width, as in Firecracker.
        if (offset != 0 || data.length == 0 || (data[0] & 0xFF) != MAGIC_BOOT_COMPLETE) {
            return;
        }
        if (bootCompleteNanos.get() != null) {
            return;
        }
        long now = clock.getAsLong();
        if (bootCompleteNanos.compareAndSet(null, now)) {
            listener.accept(now);
        }
    }

    /** The clock value of the boot-complete write, once the guest has made it. */
    public OptionalLong bootCompleteNanos() {
        Long nanos = bootCompleteNanos.get();
        return nanos == null ? OptionalLong.empty() : OptionalLong.of(nanos);
    }
}
