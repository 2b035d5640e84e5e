package dev.flotilla.kvm.memory;

/** A guest-physical address. A value type so that host and guest addresses never mix. */
public record GuestAddress(long value) implements Comparable<GuestAddress> {

    public static GuestAddress of(long value) {
        return new GuestAddress(value);
    }

    /** This address plus {@code offset}; throws on unsigned overflow, which a guest can provoke. */
    public GuestAddress plus(long offset) {
        long sum = value + offset;
        if (Long.compareUnsigned(sum, value) < 0) {
            throw new GuestMemoryException("address overflow: 0x%x + 0x%x".formatted(value, offset));
        }
        return new GuestAddress(sum);
    }

    @Override
    public int compareTo(GuestAddress other) {
        return Long.compareUnsigned(value, other.value);
    }

    @Override
    public String toString() {
        return "0x" + Long.toHexString(value);
    }
}
