package dev.flotilla.vm.devices.vsock;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** A host program's end of a stream, in memory: what it sent the device and what it received. */
final class FakeHostStream implements HostStream {

    private static int nextFd = 100;

    final int fd = nextFd++;
    /** Bytes the host program wrote that the device has not read yet. */
    private byte[] pending = new byte[0];
    private int pendingPos;
    /** Everything the device wrote to the host program. */
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    /** How many more bytes the device may write before the stream "would block". */
    long writeRoom = Long.MAX_VALUE;
    boolean programShutOutput;
    boolean programGone;
    boolean resetOnRead;
    boolean closed;
    boolean shutOutput;
    int reads;

    void send(byte[] b) {
        byte[] rest = new byte[pending.length - pendingPos + b.length];
        System.arraycopy(pending, pendingPos, rest, 0, pending.length - pendingPos);
        System.arraycopy(b, 0, rest, pending.length - pendingPos, b.length);
        pending = rest;
        pendingPos = 0;
    }

    void send(String s) {
        send(s.getBytes(StandardCharsets.US_ASCII));
    }

    int unread() {
        return pending.length - pendingPos;
    }

    String receivedText() {
        return received.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public int fd() {
        return fd;
    }

    @Override
    public int read(byte[] dst, int off, int len) throws IOException {
        reads++;
        int n = peek(dst, off, len);
        if (n > 0) pendingPos += n;
        return n;
    }

    @Override
    public int peek(byte[] dst, int off, int len) throws IOException {
        if (closed) throw new IOException("read after close");
        if (resetOnRead) throw new IOException("ECONNRESET");
        int n = Math.min(len, unread());
        if (n == 0) return programShutOutput || programGone ? EOF : 0;
        System.arraycopy(pending, pendingPos, dst, off, n);
        return n;
    }

    @Override
    public int write(byte[] src, int off, int len) throws IOException {
        if (closed) throw new IOException("write after close");
        if (programGone) throw new IOException("EPIPE");
        int n = (int) Math.min(len, writeRoom);
        received.write(src, off, n);
        if (writeRoom != Long.MAX_VALUE) writeRoom -= n;
        return n;
    }

    @Override
    public void shutdownOutput() {
        shutOutput = true;
    }

    @Override
    public void close() {
        closed = true;
    }
}
