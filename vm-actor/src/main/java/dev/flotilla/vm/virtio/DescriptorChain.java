package dev.flotilla.vm.virtio;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One request from the driver: a validated descriptor chain, split into its device-readable
 * buffers (what the driver sent) followed by its device-writable ones (room for the answer).
 *
 * <p>Every buffer was checked against guest RAM when the chain was popped, and the segment list is
 * the queue's own copy: the guest rewriting its descriptors afterwards cannot move a buffer.
 * Reads and writes here address the readable (or writable) part as one flat byte range and stop
 * at its end, returning how many bytes were copied.
 *
 * <p>Not thread-safe; owned by the device worker that popped it until it is completed with
 * {@link SplitQueue#addUsed}.
 */
public final class DescriptorChain {

    private static final int COPY_CHUNK = 8192;

    private final GuestMemory mem;
    private final int headIndex;
    private final List<GuestSegment> readable;
    private final List<GuestSegment> writable;
    private final long readableLength;
    private final long writableLength;

    DescriptorChain(GuestMemory mem, int headIndex, List<GuestSegment> readable, List<GuestSegment> writable) {
        this.mem = mem;
        this.headIndex = headIndex;
        // The queue hands over lists it no longer touches: wrap rather than copy on the hot path.
        this.readable = Collections.unmodifiableList(readable);
        this.writable = Collections.unmodifiableList(writable);
        this.readableLength = total(readable);
        this.writableLength = total(writable);
    }

    private static long total(List<GuestSegment> segments) {
        long n = 0;
        for (GuestSegment s : segments) {
            n += s.len();
        }
        return n;
    }

    /** The head descriptor index: what {@link SplitQueue#addUsed} takes to complete this chain. */
    public int headIndex() {
        return headIndex;
    }

    public List<GuestSegment> readableSegments() {
        return readable;
    }

    public List<GuestSegment> writableSegments() {
        return writable;
    }

    /** Total bytes the driver offered for the device to read. */
    public long readableLength() {
        return readableLength;
    }

    /** Total bytes the driver offered for the device to write. */
    public long writableLength() {
        return writableLength;
    }

    /**
     * Copies the readable part, from its start, into a new array.
     *
     * @param maxBytes the most the caller is prepared to hold; the guest chooses the chain length,
     *                 so the caller states its own bound
     * @throws IllegalArgumentException if the readable part is longer than {@code maxBytes}
     */
    public byte[] readAll(int maxBytes) {
        if (readableLength > maxBytes) {
            throw new IllegalArgumentException("DescriptorChain.readAll: chain " + headIndex + " has "
                    + readableLength + " readable bytes, more than the caller's limit " + maxBytes
                    + "; read it in pieces with read(offset, ...)");
        }
        byte[] b = new byte[(int) readableLength];
        read(0, b, 0, b.length);
        return b;
    }

    /**
     * Gathers readable bytes starting {@code offset} bytes into the readable part.
     *
     * @return bytes copied: {@code len}, or fewer if the readable part ends first
     */
    public int read(long offset, byte[] dst, int dstOff, int len) {
        Objects.checkFromIndexSize(dstOff, len, dst.length);
        return transfer(readable, offset, len, (addr, pos, n) -> mem.read(GuestAddress.of(addr), dst, dstOff + pos, n));
    }

    /** Gathers readable bytes from {@code offset} into {@code dst}'s remaining space; advances its position. */
    public int read(long offset, ByteBuffer dst) {
        int want = dst.remaining();
        int n;
        if (dst.hasArray()) {
            n = read(offset, dst.array(), dst.arrayOffset() + dst.position(), want);
        } else {
            byte[] tmp = new byte[Math.min(want, COPY_CHUNK)];
            n = 0;
            while (n < want) {
                int got = read(offset + n, tmp, 0, Math.min(tmp.length, want - n));
                if (got == 0) {
                    break;
                }
                dst.put(dst.position() + n, tmp, 0, got);
                n += got;
            }
        }
        dst.position(dst.position() + n);
        return n;
    }

    /**
     * Scatters {@code src[srcOff, srcOff+len)} into the writable part starting {@code offset} bytes in.
     *
     * @return bytes copied: {@code len}, or fewer if the writable part ends first
     */
    public int write(long offset, byte[] src, int srcOff, int len) {
        Objects.checkFromIndexSize(srcOff, len, src.length);
        return transfer(writable, offset, len, (addr, pos, n) -> mem.write(GuestAddress.of(addr), src, srcOff + pos, n));
    }

    /** Scatters {@code src}'s remaining bytes into the writable part from {@code offset}; advances its position. */
    public int write(long offset, ByteBuffer src) {
        int want = src.remaining();
        int n;
        if (src.hasArray()) {
            n = write(offset, src.array(), src.arrayOffset() + src.position(), want);
        } else {
            byte[] tmp = new byte[Math.min(want, COPY_CHUNK)];
            n = 0;
            while (n < want) {
                int chunk = Math.min(tmp.length, want - n);
                src.get(src.position() + n, tmp, 0, chunk);
                int put = write(offset + n, tmp, 0, chunk);
                n += put;
                if (put < chunk) {
                    break;
                }
            }
        }
        src.position(src.position() + n);
        return n;
    }

    @FunctionalInterface
    private interface Copy {
        void copy(long guestAddr, int bufferPos, int len);
    }

    private static int transfer(List<GuestSegment> segments, long offset, int len, Copy copy) {
        if (offset < 0) {
            throw new IllegalArgumentException("DescriptorChain: negative offset " + offset);
        }
        int done = 0;
        long skip = offset;
        for (GuestSegment s : segments) {
            if (done == len) {
                break;
            }
            if (skip >= s.len()) {
                skip -= s.len();
                continue;
            }
            int n = (int) Math.min(len - done, s.len() - skip);
            copy.copy(s.addr() + skip, done, n);
            done += n;
            skip = 0;
        }
        return done;
    }

    @Override
    public String toString() {
        return "DescriptorChain{head=" + headIndex + ", readable=" + readable + ", writable=" + writable + "}";
    }
}
