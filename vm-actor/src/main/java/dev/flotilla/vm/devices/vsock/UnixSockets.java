package dev.flotilla.vm.devices.vsock;

import dev.flotilla.kvm.sys.LibC;
import dev.flotilla.kvm.sys.Native;
import dev.flotilla.kvm.sys.NativeException;
import dev.flotilla.kvm.sys.NativeStruct;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import dev.flotilla.kvm.hostfs.HostFiles;
import dev.flotilla.kvm.hostfs.SocketDirectory;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Non-blocking Unix-domain stream sockets on raw fds, so the device worker's epoll can wait on them next
 * to its queue eventfds (java.nio's UNIX-domain channels hide their fds, and a Selector cannot wait on an
 * eventfd). One instance per device: its native transfer buffer makes it single-threaded — use it from
 * the device worker only (or from one test thread).
 */
public final class UnixSockets implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(UnixSockets.class);

    static final int EAGAIN = 11;
    static final int EINTR = 4;
    static final int EPIPE = 32;
    /** sun_path is 108 bytes including its NUL. */
    static final int MAX_PATH_BYTES = 107;
    private static final int TRANSFER = 64 * 1024;

    private final NativeStruct transfer = new NativeStruct(TRANSFER);

    /** Binds and listens at {@code path} as the operator named it ({@link HostFiles#unconfined()}). */
    public UnixListener listen(Path path) throws IOException {
        return listen(HostFiles.unconfined().socketDirectory(path));
    }

    /**
     * Binds and listens at the socket name in {@code dir} (held open beneath its root), after removing a
     * socket an earlier run left there; anything else at that name is refused and left alone. The listener
     * owns {@code dir} from now on, also when this fails.
     */
    public UnixListener listen(SocketDirectory dir) throws IOException {
        Path path = dir.path();
        int fd = -1;
        try {
            if (dir.removeStaleSocket()) {
                log.atInfo().addKeyValue("uds_path", path).log("removed the stale vsock socket {} left by an earlier run", path);
            }
            fd = socket("socket(AF_UNIX) for " + path);
            Path at = dir.address("");
            try (NativeStruct addr = sockaddr(at)) {
                if (Native.libc().bind(fd, addr.address(), addrLen(at)) != 0) {
                    throw new IOException(NativeException.of("bind(" + path + ")", Native.errno()).getMessage()
                            + " — check that the directory is writable and nothing else appeared at that path");
                }
                if (Native.libc().listen(fd, 128) != 0) {
                    throw new IOException(NativeException.of("listen(" + path + ")", Native.errno()).getMessage());
                }
            }
        } catch (IOException | RuntimeException e) {
            Native.closeQuietly(fd);
            dir.close();
            throw e;
        }
        return new UnixListener(this, fd, dir);
    }

    /**
     * Connects to the listener at {@code path} without blocking. A Unix-domain connect either completes at
     * once or fails (EAGAIN when the listener's backlog is full), so no connect-in-progress state exists.
     */
    public UnixStream connect(Path path) throws IOException {
        int fd = socket("socket(AF_UNIX) for " + path);
        try (NativeStruct addr = sockaddr(path)) {
            while (true) {
                if (Native.libc().connect(fd, addr.address(), addrLen(path)) == 0) break;
                int e = Native.errno();
                if (e == EINTR) continue;
                throw new IOException(NativeException.of("connect(" + path + ")", e).getMessage());
            }
        } catch (IOException | RuntimeException e) {
            Native.closeQuietly(fd);
            throw e;
        }
        return new UnixStream(this, fd);
    }

    private static int socket(String what) throws IOException {
        int fd = Native.libc().socket(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, 0);
        if (fd < 0) throw new IOException(NativeException.of(what, Native.errno()).getMessage());
        return fd;
    }

    private static byte[] pathBytes(Path path) throws IOException {
        byte[] b = path.toString().getBytes(StandardCharsets.UTF_8);
        if (b.length == 0 || b.length > MAX_PATH_BYTES) {
            throw new IOException("Unix socket path " + path + " is " + b.length + " bytes; the limit is " + MAX_PATH_BYTES);
        }
        return b;
    }

    private static NativeStruct sockaddr(Path path) throws IOException {
        byte[] b = pathBytes(path);
        NativeStruct s = new NativeStruct(LibC.SOCKADDR_UN_SIZE);
        s.buffer().putShort(0, (short) LibC.AF_UNIX);
        s.buffer().put(2, b);   // zeroed struct: the NUL is already there
        return s;
    }

    private static int addrLen(Path path) throws IOException {
        return 2 + pathBytes(path).length + 1;
    }

    /** recv/send through the transfer buffer; returns bytes, 0 for would-block, EOF, or throws. */
    int recv(int fd, byte[] dst, int off, int len, boolean peek) throws IOException {
        int n = Math.min(len, TRANSFER);
        if (n == 0) return 0;
        int flags = LibC.MSG_DONTWAIT | (peek ? LibC.MSG_PEEK : 0);
        while (true) {
            long r = Native.libc().recv(fd, transfer.address(), n, flags);
            if (r > 0) {
                transfer.buffer().get(0, dst, off, (int) r);
                return (int) r;
            }
            if (r == 0) return HostStream.EOF;
            int e = Native.errno();
            if (e == EINTR) continue;
            if (e == EAGAIN) return 0;
            throw new IOException(NativeException.of("recv(unix socket " + fd + ")", e).getMessage());
        }
    }

    int send(int fd, byte[] src, int off, int len) throws IOException {
        int n = Math.min(len, TRANSFER);
        if (n == 0) return 0;
        transfer.buffer().put(0, src, off, n);
        while (true) {
            long r = Native.libc().send(fd, transfer.address(), n, LibC.MSG_DONTWAIT | LibC.MSG_NOSIGNAL);
            if (r >= 0) return (int) r;
            int e = Native.errno();
            if (e == EINTR) continue;
            if (e == EAGAIN) return 0;
            throw new IOException(NativeException.of("send(unix socket " + fd + ")", e).getMessage());
        }
    }

    int accept(int listenFd) throws IOException {
        while (true) {
            int fd = Native.libc().accept4(listenFd, 0, 0, LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC);
            if (fd >= 0) return fd;
            int e = Native.errno();
            if (e == EINTR) continue;
            if (e == EAGAIN) return -1;
            throw new IOException(NativeException.of("accept4(unix socket " + listenFd + ")", e).getMessage());
        }
    }

    @Override
    public void close() {
        transfer.close();
    }
}
