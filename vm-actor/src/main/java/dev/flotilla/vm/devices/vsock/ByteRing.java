package dev.flotilla.vm.devices.vsock;

import java.io.IOException;

/**
 * A fixed-capacity FIFO of bytes: what a connection holds of the guest's data while the host program is
 * slower than the guest. The capacity is the buffer the connection advertises to the guest, so a guest
 * that respects its credit can never overflow it; {@link #put} refuses rather than grows.
 */
final class ByteRing {

    private final byte[] data;
    private int head;   // next byte to drain
    private int size;

    ByteRing(int capacity) {
        if (capacity <= 0) throw new IllegalArgumentException("ByteRing capacity must be positive: " + capacity);
        this.data = new byte[capacity];
    }

    int size() {
        return size;
    }

    int capacity() {
        return data.length;
    }

    int free() {
        return data.length - size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Appends all of {@code src[off, off+len)}; throws if it does not fit (callers check {@link #free()}). */
    void put(byte[] src, int off, int len) {
        if (len > free()) {
            throw new IllegalStateException("ByteRing.put: " + len + " bytes do not fit in " + free() + " free");
        }
        int tail = (head + size) % data.length;
        int first = Math.min(len, data.length - tail);
        System.arraycopy(src, off, data, tail, first);
        System.arraycopy(src, off + first, data, 0, len - first);
        size += len;
    }

    /** Copies up to {@code len} bytes from the front without removing them. */
    int peek(byte[] dst, int off, int len) {
        int n = Math.min(len, size);
        int first = Math.min(n, data.length - head);
        System.arraycopy(data, head, dst, off, first);
        System.arraycopy(data, 0, dst, off + first, n - first);
        return n;
    }

    void skip(int n) {
        if (n < 0 || n > size) throw new IllegalArgumentException("ByteRing.skip " + n + " of " + size);
        head = (head + n) % data.length;
        size -= n;
        if (size == 0) head = 0;
    }

    /**
     * Writes as much as {@code out} takes right now, in at most two contiguous writes.
     *
     * @return bytes drained
     */
    int drainTo(HostStream out) throws IOException {
        int total = 0;
        while (size > 0) {
            int run = Math.min(size, data.length - head);
            int n = out.write(data, head, run);
            if (n <= 0) break;
            skip(n);
            total += n;
            if (n < run) break;
        }
        return total;
    }

    void clear() {
        head = 0;
        size = 0;
    }
}
