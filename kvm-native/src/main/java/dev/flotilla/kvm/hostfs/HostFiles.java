package dev.flotilla.kvm.hostfs;

import dev.flotilla.kvm.sys.Errno;
import dev.flotilla.kvm.sys.LibC;
import dev.flotilla.kvm.sys.Native;
import dev.flotilla.kvm.sys.NativeException;
import dev.flotilla.kvm.sys.StatLayout.FileStat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The one place host files of VMs are opened. Each root is opened once, as a directory fd, when this is made;
 * every file is then opened relative to its root's fd with openat2(2): {@code RESOLVE_BENEATH} (nothing
 * outside the root, not through {@code ..}, an absolute link or a mount), {@code RESOLVE_NO_MAGICLINKS}, and
 * {@code RESOLVE_NO_SYMLINKS} unless the root allows links; always {@code O_NONBLOCK} (a FIFO cannot block the
 * opening thread) and {@code O_CLOEXEC}. The type of what was opened is then checked with fstat on the fd
 * ({@link FileUse}), and the consumer gets the fd ({@link HostFile}), never the name. Every build of a VM,
 * every restart and every metrics write opens again, so every use is checked again.
 *
 * <p>Roots are created by {@link #open(List)} with mode 0700 if missing; an existing root must belong to the
 * daemon's user and not be group- or world-writable, else anyone who can write there could plant a file or
 * swap a link between a check and a use. Thread-safe: immutable after construction; the root fds live until
 * {@link #close()}.
 */
public final class HostFiles implements AutoCloseable {

    private record OpenRoot(HostRoot root, int dirFd) {}

    private static final Object UNCONFINED_LOCK = new Object();
    private static HostFiles unconfined;

    private final List<OpenRoot> roots;
    private final boolean confined;

    private HostFiles(List<OpenRoot> roots, boolean confined) {
        this.roots = roots;
        this.confined = confined;
    }

    /**
     * Creates missing roots (mode 0700), checks the existing ones and opens each as a directory fd.
     * A root's own symlinks (a configured {@code /srv/images} that is a link) are resolved here, once.
     *
     * @throws HostFileException naming the root and what to do, when one cannot be created, is not a
     *                           directory, belongs to another user or is group- or world-writable
     */
    public static HostFiles open(List<HostRoot> configured) throws HostFileException {
        if (configured.isEmpty()) throw new HostFileException("no host roots: give at least one directory VM files may live under", 0);
        List<OpenRoot> opened = new ArrayList<>();
        try {
            for (HostRoot r : configured) {
                Path real = createIfMissing(r.path());
                int fd = openDirectory(real);
                opened.add(new OpenRoot(new HostRoot(real, r.symlinks(), r.blockDevices()), fd));
                checkOwnership(real, fd);
            }
        } catch (HostFileException | RuntimeException e) {
            opened.forEach(o -> Native.closeQuietly(o.dirFd()));
            throw e;
        }
        // Most specific first: a file under nested roots takes the inner root's options.
        opened.sort(Comparator.comparingInt((OpenRoot o) -> o.root().path().getNameCount()).reversed());
        return new HostFiles(List.copyOf(opened), true);
    }

    /**
     * The whole file system as one root, links followed: for a VM the operator starts by hand
     * ({@code flotilla run}) or a test, whose paths come from the operator, not from API clients. Opens are
     * still non-blocking, type-checked and through the fd. Shared; never closed.
     */
    public static HostFiles unconfined() {
        synchronized (UNCONFINED_LOCK) {
            if (unconfined == null) {
                int fd;
                try {
                    fd = openDirectory(Path.of("/"));
                } catch (HostFileException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
                unconfined = new HostFiles(List.of(new OpenRoot(new HostRoot(Path.of("/"), true, true), fd)), false);
            }
            return unconfined;
        }
    }

    /** The roots as opened (their own links resolved), most specific first. */
    public List<HostRoot> roots() {
        return roots.stream().map(OpenRoot::root).toList();
    }

    /**
     * Opens {@code path} for {@code use} beneath its root, and checks what was opened.
     *
     * @throws HostFileException saying what is wrong with the file and what to do: outside every root, a
     *                           symbolic link (or one in its path) where links are not allowed, not there, a
     *                           FIFO, directory or device where a regular file is needed, ...
     */
    public HostFile open(Path path, FileUse use) throws HostFileException {
        OpenRoot root = rootOf(path, use.what());
        String relative = root.root().path().relativize(confined ? path : path.toAbsolutePath().normalize()).toString();
        int fd;
        try {
            // openat2 refuses a mode without O_CREAT (EINVAL); a created metrics file is the daemon's alone
            int mode = (use.flags() & LibC.O_CREAT) != 0 ? 0600 : 0;
            fd = Native.openat2(root.dirFd(), relative, use.flags() | LibC.O_NONBLOCK | LibC.O_CLOEXEC, mode, resolve(root));
        } catch (NativeException e) {
            throw new HostFileException(openRefusal(path, use, root, e.errno(), e), e.errno(), e);
        }
        try {
            FileStat st = Native.fstat(fd);
            String refusal = use.refusal(st, root.root());
            if (refusal != null) throw new HostFileException(use.what() + " " + path + ": " + refusal, 0);
            return new HostFile(path, use, fd, st);
        } catch (HostFileException | RuntimeException e) {
            Native.closeQuietly(fd);
            throw e;
        }
    }

    /**
     * The directory a Unix socket at {@code socketPath} lives in, opened beneath its root (links refused as
     * for files), for binding and removing the socket without following any link ({@link SocketDirectory}).
     */
    public SocketDirectory socketDirectory(Path socketPath) throws HostFileException {
        OpenRoot root = rootOf(socketPath, "vsock uds_path");
        if (!confined) socketPath = socketPath.toAbsolutePath().normalize();
        Path parent = socketPath.getParent();
        String name = socketPath.getFileName().toString();
        String relative = root.root().path().relativize(parent).toString();
        int fd;
        try {
            fd = Native.openat2(root.dirFd(), relative.isEmpty() ? "." : relative, LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0,
                    resolve(root));
        } catch (NativeException e) {
            throw new HostFileException("vsock uds_path " + socketPath + ": its directory " + parent + " cannot be opened beneath root "
                    + root.root().path() + ": " + e.getMessage() + "; create the directory (without symbolic links on the way)", e.errno(), e);
        }
        return new SocketDirectory(fd, name, socketPath);
    }

    private long resolve(OpenRoot root) {
        if (!confined) return Native.RESOLVE_IN_ROOT | Native.RESOLVE_NO_MAGICLINKS;
        return Native.RESOLVE_BENEATH | Native.RESOLVE_NO_MAGICLINKS | (root.root().symlinks() ? 0 : Native.RESOLVE_NO_SYMLINKS);
    }

    private OpenRoot rootOf(Path path, String what) throws HostFileException {
        // the operator's own relative paths ("flotilla run --kernel ../vmlinux") mean what the shell means
        if (!confined) path = path.toAbsolutePath().normalize();
        if (!path.isAbsolute()) throw new HostFileException(what + " " + path + " is relative: give an absolute path under " + rootList(), 0);
        for (Path segment : path) {
            if (segment.toString().equals("..")) {
                throw new HostFileException(what + " " + path + " has a '..' segment: give the path without it, under " + rootList(), 0);
            }
        }
        for (OpenRoot r : roots) {
            if (path.startsWith(r.root().path()) && !path.equals(r.root().path())) return r;
        }
        throw new HostFileException(what + " " + path + " is outside the allowed roots " + rootList()
                + ": move it under one of them, or add its directory to the allowed roots", 0);
    }

    private static String openRefusal(Path path, FileUse use, OpenRoot root, int errno, NativeException e) {
        String file = use.what() + " " + path;
        Path r = root.root().path();
        return switch (errno) {
            case Errno.ELOOP -> file + ": it, or a directory on its path, is a symbolic link, and root " + r + " does not"
                    + " follow links (was the file replaced by a link since it was configured?): put the file itself there,"
                    + " or allow symlinks for that root";
            case Errno.EXDEV -> file + ": it leads out of its root " + r + " (a symbolic link or mount point pointing"
                    + " elsewhere): put the file itself under the root";
            case Errno.ENOENT -> file + ": it does not exist; create it or fix " + use.field();
            case Errno.ENOTDIR -> file + ": a component of the path is not a directory; fix " + use.field();
            case Errno.EACCES, Errno.EPERM -> file + ": permission denied; fix its mode or owner"
                    + (use == FileUse.DRIVE_READ_WRITE ? ", or set is_read_only" : "");
            case Errno.EROFS -> file + ": it is on a read-only file system; "
                    + (use == FileUse.DRIVE_READ_WRITE ? "set is_read_only or move it" : "move it");
            case Errno.EISDIR -> file + ": it is a directory; give the path of a file";
            case Errno.ENXIO -> file + ": it is a FIFO with no reader (or a device with nothing behind it); start the"
                    + " reader first, or give a regular file";
            default -> file + ": " + e.getMessage();
        };
    }

    private String rootList() {
        return roots.stream().map(o -> o.root().path().toString()).collect(Collectors.joining(", ", "[", "]"));
    }

    private static Path createIfMissing(Path root) throws HostFileException {
        try {
            if (!Files.exists(root)) {
                Path parent = root.getParent();
                if (parent != null) Files.createDirectories(parent);
                Files.createDirectory(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            return root.toRealPath();
        } catch (IOException e) {
            throw new HostFileException("host root " + root + " cannot be created or resolved (" + e + "): create it (mode 0700,"
                    + " owned by the daemon's user) or configure another directory", 0, e);
        }
    }

    private static int openDirectory(Path dir) throws HostFileException {
        int fd = Native.libc().open(dir.toString(), LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC);
        if (fd < 0) {
            int e = Native.errno();
            throw new HostFileException("host root " + dir + " cannot be opened as a directory: " + Errno.describe(e)
                    + "; configure a directory", e);
        }
        return fd;
    }

    private static void checkOwnership(Path dir, int fd) throws HostFileException {
        FileStat st = Native.fstat(fd);
        int me = Native.libc().geteuid();
        if (st.uid() != me) {
            throw new HostFileException("host root " + dir + " belongs to uid " + st.uid() + ", not to the daemon's uid " + me
                    + ": another user could plant or swap files in it; chown it to the daemon's user or configure another directory", 0);
        }
        if ((st.permissions() & 022) != 0) {
            throw new HostFileException("host root " + dir + " is group- or world-writable (mode 0" + Integer.toOctalString(st.permissions())
                    + "): another user could plant or swap files in it; chmod go-w " + dir + " or configure another directory", 0);
        }
    }

    /** Closes the root fds; files already opened stay usable. */
    @Override
    public void close() {
        if (!confined) return;
        roots.forEach(o -> Native.closeQuietly(o.dirFd()));
    }
}
