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
}
