package dev.flotilla.vm.devices.vsock;

import java.io.IOException;

/**
 * The host end of one vsock connection: a non-blocking byte stream to a host program (a Unix socket in
 * production, an in-memory pipe in tests). Used only from the device worker.
 */
public interface HostStream extends AutoCloseable {

    /** Returned by {@link #read} at end of stream. */
    int EOF = -1;

    /** The fd the worker's epoll watches. */
    int fd();

    /**
     * Reads up to {@code len} bytes without blocking.
     *
     * @return bytes read (≥ 1), 0 if none are available now, or {@link #EOF}
     * @throws IOException if the stream broke (reset by the peer)
     */
    int read(byte[] dst, int off, int len) throws IOException;

    /** Like {@link #read} but leaves the bytes in the stream. */
    int peek(byte[] dst, int off, int len) throws IOException;

    /**
     * Writes up to {@code len} bytes without blocking.
     *
     * @return bytes written, 0 if the stream cannot take any now
     * @throws IOException if the peer is gone (EPIPE, ECONNRESET)
     */
    int write(byte[] src, int off, int len) throws IOException;

    /** Half-closes: the peer reads end of stream once it has read what was written. */
    void shutdownOutput();

    @Override
    void close();
}
