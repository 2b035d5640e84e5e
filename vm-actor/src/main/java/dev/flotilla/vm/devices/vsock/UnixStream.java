package dev.flotilla.vm.devices.vsock;

import dev.flotilla.kvm.sys.LibC;
import dev.flotilla.kvm.sys.Native;
import java.io.IOException;

/** A connected non-blocking Unix-domain stream socket: the host end of one vsock connection. */
public final class UnixStream implements HostStream {

    private final UnixSockets io;
    private final int fd;
    private boolean closed;

    UnixStream(UnixSockets io, int fd) {
        this.io = io;
        this.fd = fd;
    }

    @Override
    public int fd() {
        return fd;
    }

    @Override
    public int read(byte[] dst, int off, int len) throws IOException {
        return io.recv(fd, dst, off, len, false);
    }

    @Override
    public int peek(byte[] dst, int off, int len) throws IOException {
        return io.recv(fd, dst, off, len, true);
    }

    @Override
    public int write(byte[] src, int off, int len) throws IOException {
        return io.send(fd, src, off, len);
    }

    @Override
    public void shutdownOutput() {
        Native.libc().shutdown(fd, LibC.SHUT_WR);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        Native.closeQuietly(fd);
    }
}
