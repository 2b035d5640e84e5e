package dev.flotilla.vm.virtio;

/**
 * One buffer of a descriptor chain, already checked to lie inside guest RAM. A copy of what the
 * descriptor said when the queue read it, so later guest writes to the descriptor change nothing.
 *
 * @param addr guest-physical start
 * @param len  length in bytes (0 .. 2^32-1)
 */
public record GuestSegment(long addr, long len) {

    @Override
    public String toString() {
        return "[0x" + Long.toHexString(addr) + ", +" + len + ")";
    }
}
