package dev.flotilla.kvm.sys;

/**
 * A native call failed. The message names the call and the errno, and where the cause is usually
 * on the host rather than in our code, what the user can do about it:
 * {@code "KVM_CREATE_VM failed: EACCES (Permission denied) — check the ACL on /dev/kvm"}.
 */
public final class NativeException extends RuntimeException {

    private final String call;
    private final int errno;

    /** {@code errno} 0 means the call returned but did not do what was asked; {@code hint} then says what. */
    public NativeException(String call, int errno, String hint) {
        super(message(call, errno, hint));
        this.call = call;
        this.errno = errno;
    }

    private static String message(String call, int errno, String hint) {
        boolean hasHint = hint != null && !hint.isEmpty();
        if (errno == 0) return call + " failed" + (hasHint ? ": " + hint : "");
        return call + " failed: " + Errno.describe(errno) + (hasHint ? " — " + hint : "");
    }

    /** An exception for {@code call} with the standard hint for that call and errno, if there is one. */
    public static NativeException of(String call, int errno) {
        return new NativeException(call, errno, hint(call, errno));
    }

    /** The failing call, e.g. "KVM_RUN" or "open(/dev/kvm)". */
    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }

    static String hint(String call, int errno) {
        return switch (errno) {
            case Errno.EACCES, Errno.EPERM -> "check the ACL on /dev/kvm (add the user to group kvm, "
                    + "or setfacl -m u:$USER:rw /dev/kvm)";
            case Errno.ENOENT, Errno.ENODEV, Errno.ENXIO -> call.contains("/dev/kvm")
                    ? "no KVM on this host: load kvm_intel or kvm_amd, or run on a host with virtualization"
                    : null;
            case Errno.ENOMEM -> "the host is out of memory (or the memlock/map count limits are too low)";
            case Errno.EMFILE -> "too many open files: raise the fd limit (ulimit -n)";
            case Errno.EEXIST -> call.startsWith("KVM_SET_USER_MEMORY_REGION")
                    ? "the guest range overlaps a region already registered" : null;
            case Errno.EINVAL -> call.startsWith("KVM_SET_USER_MEMORY_REGION")
                    ? "slot, guest address, size and host address must be page aligned and the slot below "
                      + "KVM_CAP_NR_MEMSLOTS"
                    : call.startsWith("KVM_CREATE_VCPU") ? "vCPU id out of range or already created" : null;
            case Errno.E2BIG -> "more entries than KVM accepts";
            default -> null;
        };
    }
}
