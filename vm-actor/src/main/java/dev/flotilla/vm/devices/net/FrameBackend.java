package dev.flotilla.vm.devices.net;

/**
 * Where a virtio-net device's frames come from and go to: a TAP in production ({@link TapBackend}),
 * an in-memory fake in tests. Frames are whole Ethernet frames without any virtio header.
 * <p>Threading: called on the device's worker thread only; {@link #close()} after the worker stopped.
 */
public interface FrameBackend extends AutoCloseable {

    /** What {@link #readFrame} returns when no frame is waiting. */
    int NO_FRAME = -1;

    /** The fd the device worker watches for EPOLLIN (readable = a frame waits). */
    int pollFd();

    /**
     * Takes the next waiting frame into {@code dst[off, off+max)}.
     *
     * @return its length, or {@link #NO_FRAME}
     * @throws FrameIoException if the backend failed (the device counts it and retries later)
     */
    int readFrame(byte[] dst, int off, int max);

    /**
     * Hands one frame to the host.
     *
     * @return true if taken, false if the backend is full right now (the frame is dropped)
     * @throws FrameIoException if the backend refused the frame (e.g. the interface is down)
     */
    boolean writeFrame(byte[] src, int off, int len);

    /** For logs and errors: "tap flt0". */
    String describe();

    @Override
    void close();
}
