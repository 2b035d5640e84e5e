package dev.flotilla.kvm.hostfs;

import dev.flotilla.kvm.sys.LibC;
import dev.flotilla.kvm.sys.StatLayout.FileStat;

/**
 * What a host file is opened for: the open flags, and which file types may serve. Regular files serve every
 * use; block devices serve drives when their root allows them; a metrics file may be a FIFO (Firecracker's
 * users often point metrics at a named pipe), opened non-blocking so a FIFO without a reader is an error and
 * a full one drops a line instead of blocking a thread.
 */
public enum FileUse {
    KERNEL("kernel image", "kernel_image_path", LibC.O_RDONLY),
    INITRD("initrd", "initrd_path", LibC.O_RDONLY),
    DRIVE_READ_ONLY("drive", "path_on_host", LibC.O_RDONLY),
    DRIVE_READ_WRITE("drive", "path_on_host", LibC.O_RDWR),
    METRICS("metrics file", "metrics_path", LibC.O_WRONLY | LibC.O_APPEND | LibC.O_CREAT);

    private final String what;
    private final String field;
    private final int flags;

    FileUse(String what, String field, int flags) {
        this.what = what;
        this.field = field;
        this.flags = flags;
    }

    /** "kernel image": names the file in messages. */
    public String what() {
        return what;
    }

    /** The API field that names this file ("path_on_host"). */
    public String field() {
        return field;
    }

    int flags() {
        return flags;
    }

    boolean isDrive() {
        return this == DRIVE_READ_ONLY || this == DRIVE_READ_WRITE;
    }

    /** Null if {@code st} may serve this use under {@code root}, else why not and what to do. */
    String refusal(FileStat st, HostRoot root) {
        if (st.isRegular()) return null;
        if (isDrive() && st.isBlockDevice()) {
            return root.blockDevices() ? null : "it is a block device and root " + root.path() + " does not allow block"
                    + " devices: allow them for that root (allowed-roots entry with block-devices = true), or give a disk image file";
        }
        if (this == METRICS && st.isFifo()) return null;
        return "it is a " + st.typeName() + ", not a regular file" + (this == METRICS ? " or FIFO" : "")
                + ": give the path of a " + (isDrive() ? "disk image file" : what + " file");
    }
}
