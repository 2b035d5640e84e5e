package dev.flotilla.vm.bus;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * An address space of device windows (one for port I/O, one for MMIO per VM), immutable once built.
 *
 * <p>Thread-safe without locking: built once, then only read. A lookup is a binary search over a
 * sorted {@code long[]} and allocates nothing, since it runs on every I/O exit of every vCPU.
 *
 * <p>An access must lie wholly inside one window; an access that starts in a window and runs past
 * its end is treated as unmapped rather than handed to a device that would index past its registers.
 * Unmapped reads fill {@code data} with 0xFF (see the package note for why) and return false.
 */
public final class Bus {

    private final long[] bases;
    private final long[] ends;
    private final BusDevice[] devices;
    private final List<BusMapping> mappings;

    private Bus(List<BusMapping> sorted) {
        int n = sorted.size();
        bases = new long[n];
        ends = new long[n];
        devices = new BusDevice[n];
        for (int i = 0; i < n; i++) {
            BusMapping m = sorted.get(i);
            bases[i] = m.base();
            ends[i] = m.end();
            devices[i] = m.device();
        }
        mappings = List.copyOf(sorted);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads {@code data.length} bytes at {@code addr} from the device mapped there.
     *
     * @return true if a device answered; false if nothing is mapped there (data is then all 0xFF)
     */
    public boolean read(long addr, byte[] data) {
        int i = indexOf(addr, data.length);
        if (i < 0) {
            Arrays.fill(data, (byte) 0xFF);
            return false;
        }
        devices[i].read(addr - bases[i], data);
        return true;
    }

    /**
     * Writes {@code data} at {@code addr} to the device mapped there.
     *
     * @return true if a device took the write; false if nothing is mapped there (the write is dropped)
     */
    public boolean write(long addr, byte[] data) {
        int i = indexOf(addr, data.length);
        if (i < 0) {
            return false;
        }
        devices[i].write(addr - bases[i], data);
        return true;
    }

    /** The windows of this bus in address order. */
    public List<BusMapping> mappings() {
        return mappings;
    }

    /** The window containing {@code addr}, or null: for diagnostics, not the hot path. */
    public BusMapping mappingAt(long addr) {
        int i = indexOf(addr, 1);
        return i < 0 ? null : mappings.get(i);
    }

    private int indexOf(long addr, int width) {
        // Largest base <= addr: binarySearch gives either the exact slot or -(insertion point) - 1.
        int i = Arrays.binarySearch(bases, addr);
        if (i < 0) {
            i = -i - 2;
            if (i < 0) {
                return -1;
            }
        }
        // Both compared as "room left in the window" so addr + width cannot overflow.
        long room = ends[i] - addr;
        return room >= width && room > 0 ? i : -1;
    }

    /** Collects windows; {@link #build()} sorts them and refuses overlaps. Not thread-safe. */
    public static final class Builder {
        private final List<BusMapping> pending = new ArrayList<>();

        private Builder() {
        }

        /** Maps {@code device} at {@code [base, base + length)}, named after its class. */
        public Builder add(long base, long length, BusDevice device) {
            Objects.requireNonNull(device, "device");
            return add(device.getClass().getSimpleName(), base, length, device);
        }

        /** Maps {@code device} at {@code [base, base + length)} under {@code name}. */
        public Builder add(String name, long base, long length, BusDevice device) {
            pending.add(new BusMapping(name, base, length, device));
            return this;
        }

        /**
         * @throws BusRangeOverlapException if two windows share an address, naming both
         */
        public Bus build() {
            List<BusMapping> sorted = new ArrayList<>(pending);
            sorted.sort(Comparator.comparingLong(BusMapping::base));
            for (int i = 1; i < sorted.size(); i++) {
                BusMapping prev = sorted.get(i - 1);
                BusMapping next = sorted.get(i);
                if (next.base() < prev.end()) {
                    throw new BusRangeOverlapException("Bus.build: " + next + " overlaps " + prev
                            + "; give each device its own address range");
                }
            }
            return new Bus(sorted);
        }
    }
}
