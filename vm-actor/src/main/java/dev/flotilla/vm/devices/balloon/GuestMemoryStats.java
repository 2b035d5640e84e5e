package dev.flotilla.vm.devices.balloon;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.OptionalLong;

/**
 * The memory statistics a balloon driver reports (virtio 1.2 §5.5.6.3): what the guest sent in its last
 * stats buffer, each value absent if the guest did not report it. Memory sizes are bytes, the others counts.
 */
public record GuestMemoryStats(OptionalLong swapIn, OptionalLong swapOut, OptionalLong majorFaults,
                               OptionalLong minorFaults, OptionalLong freeMemory, OptionalLong totalMemory,
                               OptionalLong availableMemory, OptionalLong diskCaches,
                               OptionalLong hugetlbAllocations, OptionalLong hugetlbFailures) {

    public static final int TAG_SWAP_IN = 0;
    public static final int TAG_SWAP_OUT = 1;
    public static final int TAG_MAJFLT = 2;
    public static final int TAG_MINFLT = 3;
    public static final int TAG_MEMFREE = 4;
    public static final int TAG_MEMTOT = 5;
    public static final int TAG_AVAIL = 6;
    public static final int TAG_CACHES = 7;
    public static final int TAG_HTLB_PGALLOC = 8;
    public static final int TAG_HTLB_PGFAIL = 9;
    private static final int TAGS = 10;
    /** struct virtio_balloon_stat: le16 tag, le64 val, packed. */
    public static final int ENTRY_SIZE = 10;

    public static final GuestMemoryStats NONE = parse(new byte[0], 0);

    /**
     * Parses {@code len} bytes of stat entries. Unknown tags are skipped (newer drivers send more), a
     * trailing partial entry is ignored, and a tag repeated keeps its last value.
     */
    public static GuestMemoryStats parse(byte[] buf, int len) {
        ByteBuffer b = ByteBuffer.wrap(buf, 0, len).order(ByteOrder.LITTLE_ENDIAN);
        OptionalLong[] v = new OptionalLong[TAGS];
        java.util.Arrays.fill(v, OptionalLong.empty());
        for (int at = 0; at + ENTRY_SIZE <= len; at += ENTRY_SIZE) {
            int tag = Short.toUnsignedInt(b.getShort(at));
            if (tag < TAGS) v[tag] = OptionalLong.of(b.getLong(at + 2));
        }
        return new GuestMemoryStats(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]);
    }
}
