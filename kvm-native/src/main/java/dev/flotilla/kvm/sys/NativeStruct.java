package dev.flotilla.kvm.sys;

import com.kenai.jffi.MemoryIO;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A zeroed block of malloc'd memory for passing one struct to an ioctl, with a little-endian
 * ByteBuffer view for filling and reading it. Freed deterministically by {@link #close()}; use it in
 * try-with-resources. Not thread-safe (it is meant to live for one call).
 */
public final class NativeStruct implements AutoCloseable {

    private static final MemoryIO IO = MemoryIO.getInstance();

    private long address;
    private final int size;
    private final ByteBuffer buffer;

    public NativeStruct(int size) {
        if (size <= 0) throw new IllegalArgumentException("struct size must be positive: " + size);
        this.size = size;
        this.address = IO.allocateMemory(size, true);
        if (address == 0) throw new OutOfMemoryError("malloc(" + size + ") failed");
        this.buffer = IO.newDirectByteBuffer(address, size).order(ByteOrder.LITTLE_ENDIAN);
    }

    public long address() {
        if (address == 0) throw new IllegalStateException("struct already freed");
        return address;
    }

    public int size() {
        return size;
    }

    /** Absolute-indexed view; do not keep it beyond {@link #close()}. */
    public ByteBuffer buffer() {
        return buffer;
    }

    @Override
    public void close() {
        if (address != 0) {
            IO.freeMemory(address);
            address = 0;
        }
    }
}
