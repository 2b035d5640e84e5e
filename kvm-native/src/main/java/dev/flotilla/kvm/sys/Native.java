package dev.flotilla.kvm.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * The loaded C library and the checked-call helpers every fd class uses. Loading happens once per JVM
 * (class initialisation); {@link #loadFailure()} reports why it failed instead of throwing, so
 * availability checks can explain themselves.
 */
public final class Native {

    private static final LibC LIBC;
    private static final Runtime RUNTIME;
    private static final Throwable LOAD_FAILURE;

    static {
        LibC lib = null;
        Runtime rt = null;
        Throwable failure = null;
        try {
            lib = LibraryLoader.create(LibC.class).load("c");
            rt = Runtime.getRuntime(lib);
        } catch (Throwable t) {
            failure = t;
        }
        LIBC = lib;
        RUNTIME = rt;
        LOAD_FAILURE = failure;
    }

    private Native() {}

    /** The C library; throws if jnr-ffi could not load it (see {@link #loadFailure()}). */
    public static LibC libc() {
        if (LIBC == null) {
            throw new IllegalStateException("cannot load libc through jnr-ffi: " + LOAD_FAILURE, LOAD_FAILURE);
        }
        return LIBC;
    }

    /** Why libc could not be loaded, or null. */
    public static Throwable loadFailure() {
        return LOAD_FAILURE;
    }

    /** errno of the last native call on this thread. */
    public static int errno() {
        return RUNTIME.getLastError();
    }

    /**
     * ioctl that must succeed: retries EINTR (only KVM_RUN is meant to be interrupted, and it does not
     * come through here) and throws {@link NativeException} naming {@code call} otherwise.
     */
    public static int ioctl(int fd, long req, long arg, String call) {
        while (true) {
            int r = LIBC.ioctl(fd, req, arg);
            if (r >= 0) return r;
            int e = errno();
            if (e != Errno.EINTR) throw NativeException.of(call, e);
        }
    }

    /** close(2) that ignores errors: after close the fd is gone whatever it returned (Linux semantics). */
    public static void closeQuietly(int fd) {
        if (fd >= 0) LIBC.close(fd);
    }

    /** Opens {@code path} read-write with O_CLOEXEC. */
    public static int openReadWrite(String path) {
        int fd = libc().open(path, LibC.O_RDWR | LibC.O_CLOEXEC);
        if (fd < 0) throw NativeException.of("open(" + path + ")", errno());
        return fd;
    }

    /** x86_64 syscall number of openat2(2) (Linux 5.6); glibc has no wrapper for it. */
    static final long SYS_OPENAT2 = 437;
    /** {@code struct open_how { u64 flags; u64 mode; u64 resolve; }}. */
    static final int OPEN_HOW_SIZE = 24;
    public static final long RESOLVE_NO_MAGICLINKS = 0x02;
    public static final long RESOLVE_NO_SYMLINKS = 0x04;
    public static final long RESOLVE_BENEATH = 0x08;
    public static final long RESOLVE_IN_ROOT = 0x10;

    /**
     * openat2(2): opens {@code path} relative to {@code dirfd} as {@code resolve} allows. Retries EINTR.
     *
     * @return the new fd
     * @throws NativeException naming the call and errno; for ENOSYS (a kernel older than 5.6, or a seccomp
     *                         filter that hides the call) it says that paths cannot be opened safely and
     *                         nothing is opened
     */
    public static int openat2(int dirfd, String path, long flags, long mode, long resolve) {
        byte[] name = path.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (NativeStruct how = new NativeStruct(OPEN_HOW_SIZE); NativeStruct cpath = new NativeStruct(name.length + 1)) {
            how.buffer().putLong(0, flags).putLong(8, mode).putLong(16, resolve);
            cpath.buffer().put(0, name);   // zeroed: the NUL is already there
            // EAGAIN: a rename raced the BENEATH/IN_ROOT check of the walk; the kernel asks for a retry
            for (int racedRenames = 0; ; ) {
                long r = libc().syscall(SYS_OPENAT2, dirfd, cpath.address(), how.address(), OPEN_HOW_SIZE);
                if (r >= 0) return (int) r;
                int e = errno();
                if (e == Errno.EINTR) continue;
                if (e == Errno.EAGAIN && (resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)) != 0 && ++racedRenames < 8) continue;
                if (e == Errno.ENOSYS) {
                    throw new NativeException("openat2(" + path + ")", e, "this kernel has no openat2 (Linux 5.6 or later,"
                            + " and not hidden by a seccomp filter), so host files cannot be opened safely beneath their"
                            + " root; nothing was opened: run on Linux 5.6 or later");
                }
                throw NativeException.of("openat2(" + path + ")", e);
            }
        }
    }

    /** fstat(2) of an open fd (fstatat with AT_EMPTY_PATH: the fd itself, not a name). */
    public static StatLayout.FileStat fstat(int fd) {
        return fstatat(fd, "", LibC.AT_EMPTY_PATH, "fstat(fd " + fd + ")");
    }

    /** fstatat(2) of {@code name} in directory {@code dirfd}; pass {@link LibC#AT_SYMLINK_NOFOLLOW} to see a link itself. */
    public static StatLayout.FileStat fstatat(int dirfd, String name, int flags, String call) {
        try (NativeStruct st = new NativeStruct(StatLayout.SIZE)) {
            if (libc().fstatat(dirfd, name, st.address(), flags) != 0) throw NativeException.of(call, errno());
            return StatLayout.read(st.buffer());
        }
    }
}
