package dev.flotilla.vm.devices.vsock;

import dev.flotilla.kvm.hostfs.SocketDirectory;
import dev.flotilla.kvm.sys.Native;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The device's listening socket at {@code uds_path}, with its directory held open beneath its root; closing it
 * removes the socket (unlinkat in that directory, and only if the name is still a socket).
 */
public final class UnixListener implements VsockMuxer.HostListener, AutoCloseable {

    private final UnixSockets io;
    private final int fd;
    private final SocketDirectory dir;
    private boolean closed;

    UnixListener(UnixSockets io, int fd, SocketDirectory dir) {
        this.io = io;
        this.fd = fd;
        this.dir = dir;
    }

    public int fd() {
        return fd;
    }

    public Path path() {
        return dir.path();
    }

    /** The directory the socket lives in: host-port sockets ({@code <uds_path>_<port>}) are reached through it too. */
    SocketDirectory directory() {
        return dir;
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
        dir.removeSocket();
        dir.close();
    }
}
