package dev.flotilla.kvm.hostfs;

import dev.flotilla.kvm.sys.Errno;
import dev.flotilla.kvm.sys.LibC;
import dev.flotilla.kvm.sys.Native;
import dev.flotilla.kvm.sys.NativeException;
import dev.flotilla.kvm.sys.StatLayout.FileStat;
import java.nio.file.Path;

/**
 * The directory of a Unix socket, held open beneath its root ({@link HostFiles#socketDirectory}), so the
 * socket is bound and removed in that directory and nowhere a link could lead. Stale-socket removal and the
 * removal at close only ever unlink a socket: {@code fstatat(dir, name, AT_SYMLINK_NOFOLLOW)}, then
 * {@code unlinkat(dir, name)}; a regular file, a link or anything else there is left alone.
 */
public final class SocketDirectory implements AutoCloseable {

    private final int dirFd;
    private final String name;
    private final Path path;
    private boolean closed;

    SocketDirectory(int dirFd, String name, Path path) {
        this.dirFd = dirFd;
        this.name = name;
        this.path = path;
    }

    /** The socket's path as configured (for messages). */
    public Path path() {
        return path;
    }

    /** The socket's name in its directory. */
    public String name() {
        return name;
    }

    /**
     * The address to bind or connect to: the socket's name inside the directory this holds, through the fd
     * ({@code /proc/self/fd/<dir>/<name>}). bind(2) has no "at" form; naming the directory by its fd means the
     * directory that was checked is the one the socket is created in, and bind never follows a link at the
     * last component (an existing name fails with EADDRINUSE).
     */
    public Path address(String suffix) {
        return Path.of("/proc/self/fd/" + dirFd + "/" + name + suffix);
    }

    /**
     * The address of the socket {@code <name><suffix>} in this directory, to connect to, if that name is a
     * socket itself (not a link to one elsewhere: a guest must not reach sockets outside the root).
     *
     * @throws HostFileException if nothing is there, or something that is not a socket
     */
    public synchronized Path socketAddress(String suffix) throws HostFileException {
        String other = name + suffix;
        FileStat st;
        try {
            st = Native.fstatat(dirFd, other, LibC.AT_SYMLINK_NOFOLLOW, "fstatat(" + path + suffix + ")");
        } catch (NativeException e) {
            throw new HostFileException("connect(" + path + suffix + ") failed: " + e.getMessage(), e.errno(), e);
        }
        if (!st.isSocket()) {
            throw new HostFileException("connect(" + path + suffix + ") refused: it is a " + st.typeName() + ", not a socket", 0);
        }
        return address(suffix);
    }

    /**
     * Removes a socket left at this name by an earlier run (a daemon killed before it could clean up).
     *
     * @return true if a stale socket was removed, false if nothing was there
     * @throws HostFileException if something else is there (a regular file, a link, a directory...): it is
     *                           left untouched, and the message says what to do
     */
    public synchronized boolean removeStaleSocket() throws HostFileException {
        FileStat st = statNoFollow();
        if (st == null) return false;
        if (!st.isSocket()) {
            throw new HostFileException("vsock uds_path " + path + " exists and is a " + st.typeName() + ", not a socket left by an"
                    + " earlier run; it was left untouched: remove it yourself or choose another uds_path", Errno.EEXIST);
        }
        unlink();
        return true;
    }

    /** Removes the socket if the name is (still) a socket; anything else there is left alone. */
    public synchronized void removeSocket() {
        try {
            FileStat st = statNoFollow();
            if (st != null && st.isSocket()) unlink();
        } catch (HostFileException ignored) {
            // a socket file we cannot remove only blocks a later bind, which then removes it as stale
        }
    }

    private FileStat statNoFollow() throws HostFileException {
        try {
            return Native.fstatat(dirFd, name, LibC.AT_SYMLINK_NOFOLLOW, "fstatat(" + path + ")");
        } catch (NativeException e) {
            if (e.errno() == Errno.ENOENT) return null;
            throw new HostFileException("vsock uds_path " + path + ": " + e.getMessage(), e.errno(), e);
        }
    }

    private void unlink() throws HostFileException {
        if (Native.libc().unlinkat(dirFd, name, 0) != 0) {
            int e = Native.errno();
            if (e == Errno.ENOENT) return;
            throw new HostFileException("vsock uds_path " + path + ": cannot remove the stale socket: " + Errno.describe(e)
                    + "; remove it yourself", e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        Native.closeQuietly(dirFd);
    }
}
