package dev.flotilla.vm.devices.vsock;

import dev.flotilla.kvm.sys.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The device's listening socket at {@code uds_path}; closing it removes the socket file. */
public final class UnixListener implements VsockMuxer.HostListener, AutoCloseable {

    private final UnixSockets io;
    private final int fd;
    private final Path path;
    private boolean closed;

    UnixListener(UnixSockets io, int fd, Path path) {
        this.io = io;
        this.fd = fd;
        this.path = path;
    }

    public int fd() {
        return fd;
    }

    public Path path() {
        return path;
    }

    @Override
    public HostStream accept() throws IOException {
        int s = io.accept(fd);
        return s < 0 ? null : new UnixStream(io, s);
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        Native.closeQuietly(fd);
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a socket file we cannot remove only blocks a later bind, which then says so
        }
    }
}
