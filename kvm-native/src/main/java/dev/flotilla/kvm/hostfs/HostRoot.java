package dev.flotilla.kvm.hostfs;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A directory host files of VMs (kernels, initrds, drives, vsock sockets, metrics files) may live under.
 *
 * @param path         absolute directory
 * @param symlinks     symbolic links below the root are followed (still never out of it); off by default, so
 *                     a link swapped in after a path was accepted is refused when it is opened
 * @param blockDevices drives may be block devices (a whole disk or LV given to a guest); off by default
 */
public record HostRoot(Path path, boolean symlinks, boolean blockDevices) {

    public HostRoot {
        Objects.requireNonNull(path, "path");
        if (!path.isAbsolute()) throw new IllegalArgumentException("host root " + path + " is relative: give an absolute directory");
        path = path.normalize();
    }

    /** A root with the safe defaults: no symlinks, no block devices. */
    public static HostRoot of(Path path) {
        return new HostRoot(path, false, false);
    }
}
