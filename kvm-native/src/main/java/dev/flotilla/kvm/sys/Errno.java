package dev.flotilla.kvm.sys;

/** The errno values this layer acts on; names and texts for the rest come from jnr-constants. */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int ENXIO = 6;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int E2BIG = 7;
    public static final int ENOSPC = 28;
    public static final int ENOTTY = 25;
    public static final int EMFILE = 24;
    public static final int EIO = 5;
    public static final int EDQUOT = 122;
    public static final int EISDIR = 21;
    public static final int EROFS = 30;
    public static final int ENOTDIR = 20;
    public static final int EXDEV = 18;
    public static final int ELOOP = 40;
    public static final int ENOSYS = 38;
    public static final int EADDRINUSE = 98;

    private Errno() {}

    /** "EACCES (Permission denied)"; "errno 999" for values the platform table does not know. */
    public static String describe(int errno) {
        jnr.constants.platform.Errno e = jnr.constants.platform.Errno.valueOf(errno);
        if (e == null || !e.defined() || e == jnr.constants.platform.Errno.__UNKNOWN_CONSTANT__) {
            return "errno " + errno;
        }
        return e.name() + " (" + e.description() + ")";
    }
}
