package dev.flotilla.vm.virtio;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory;
import java.util.Optional;

/**
 * Where the driver put one split virtqueue (virtio 1.2 §2.7): its size and the guest-physical
 * addresses of its three parts. Any values are representable; {@link #problem} says whether they
 * are usable, so the transport can refuse a bad set-up instead of the queue tripping over it later.
 *
 * @param size        number of descriptors (QueueNum)
 * @param descTable   descriptor table: 16 bytes per descriptor, 16-byte aligned
 * @param availRing   driver area: flags, idx, ring[size], used_event; 2-byte aligned
 * @param usedRing    device area: flags, idx, ring[size] of {id, len}, avail_event; 4-byte aligned
 */
public record QueueLayout(int size, long descTable, long availRing, long usedRing) {

    /** The largest split queue the spec allows. */
    public static final int MAX_SIZE = 32768;

    public static final int DESC_SIZE = 16;

    /** Bytes of the descriptor table. */
    public long descTableBytes() {
        return (long) DESC_SIZE * size;
    }

    /** Bytes of the driver area, used_event included (it is there whether or not EVENT_IDX is negotiated). */
    public long availRingBytes() {
        return 6L + 2L * size;
    }

    /** Bytes of the device area, avail_event included. */
    public long usedRingBytes() {
        return 6L + 8L * size;
    }

    /**
     * Why this layout cannot be used with {@code mem} and a device maximum of {@code maxSize}, or
     * empty if it can.
     */
    public Optional<String> problem(GuestMemory mem, int maxSize) {
        if (size <= 0 || Integer.bitCount(size) != 1) {
            return Optional.of("queue size " + size + " is not a power of two");
        }
        if (size > maxSize || size > MAX_SIZE) {
            return Optional.of("queue size " + size + " exceeds the device maximum " + Math.min(maxSize, MAX_SIZE));
        }
        if ((descTable & 15) != 0) {
            return Optional.of("descriptor table 0x" + Long.toHexString(descTable) + " is not 16-byte aligned");
        }
        if ((availRing & 1) != 0) {
            return Optional.of("driver area 0x" + Long.toHexString(availRing) + " is not 2-byte aligned");
        }
        if ((usedRing & 3) != 0) {
            return Optional.of("device area 0x" + Long.toHexString(usedRing) + " is not 4-byte aligned");
        }
        if (!mem.isValid(GuestAddress.of(descTable), descTableBytes())) {
            return Optional.of(outside("descriptor table", descTable, descTableBytes()));
        }
        if (!mem.isValid(GuestAddress.of(availRing), availRingBytes())) {
            return Optional.of(outside("driver area", availRing, availRingBytes()));
        }
        if (!mem.isValid(GuestAddress.of(usedRing), usedRingBytes())) {
            return Optional.of(outside("device area", usedRing, usedRingBytes()));
        }
        return Optional.empty();
    }

    private static String outside(String what, long addr, long len) {
        return what + " [0x" + Long.toHexString(addr) + ", +" + len + ") is outside guest RAM";
    }
}
