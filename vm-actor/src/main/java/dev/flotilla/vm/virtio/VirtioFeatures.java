package dev.flotilla.vm.virtio;

/**
 * Feature bits the transport and the split-ring code understand (virtio 1.2 §6, "Reserved Feature
 * Bits"). Device-specific bits (0..23) belong to each device and are not listed here.
 */
public final class VirtioFeatures {

    /** Descriptors may point at a table of further descriptors (bit 28). */
    public static final long RING_INDIRECT_DESC = 1L << 28;
    /** used_event / avail_event suppress notifications by index (bit 29). */
    public static final long RING_EVENT_IDX = 1L << 29;
    /** A virtio 1.x (non-legacy) device: the only kind this transport speaks (bit 32). */
    public static final long VERSION_1 = 1L << 32;

    /**
     * Bits 24..41 are reserved for the transport and the ring layout. Of those, only the ones
     * above are implemented here; any other a device claims (packed ring, in-order, notification
     * data, ring reset, access-platform...) is masked off so the driver never negotiates a
     * behaviour this code does not have.
     */
    static final long TRANSPORT_RESERVED = ((1L << 42) - 1) & ~((1L << 24) - 1);
    static final long TRANSPORT_SUPPORTED = RING_INDIRECT_DESC | RING_EVENT_IDX | VERSION_1;

    private VirtioFeatures() {
    }

    /** The features the transport offers for a device that claims {@code deviceFeatures}. */
    static long offered(long deviceFeatures) {
        return (deviceFeatures & ~TRANSPORT_RESERVED) | (deviceFeatures & TRANSPORT_SUPPORTED) | VERSION_1;
    }

    static boolean has(long features, long bit) {
        return (features & bit) != 0;
    }
}
