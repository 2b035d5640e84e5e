/**
 * Host files of VMs — kernels, initrds, drives, metrics files, vsock sockets — opened safely, in one place
 * ({@link dev.flotilla.kvm.hostfs.HostFiles}).
 *
 * <p>Why: the API checks a path when it is configured, but the file is used later (at InstanceStart, at every
 * restart, at every metrics flush). Opening by name at that point would follow whatever is there then: a
 * symlink swapped in after the check would redirect a root-owned write anywhere, and a FIFO would block the
 * opening thread for ever. So each configured root is opened once as a directory fd; each file is opened
 * relative to it with {@code openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS [| RESOLVE_NO_SYMLINKS])},
 * {@code O_NONBLOCK | O_CLOEXEC}; its type is checked with fstat on the fd; and the consumer is handed the fd
 * ({@link dev.flotilla.kvm.hostfs.HostFile}), never the name. A kernel without openat2 (before 5.6) is an
 * error, not a fallback to the unsafe open.
 *
 * <p>Roots: created 0700 when missing; an existing root owned by another user, or group/world-writable, is
 * refused at start. Per root, symlinks (beneath the root) and block devices (as drives) can be allowed.
 * {@link dev.flotilla.kvm.hostfs.HostFiles#unconfined()} is the whole file system as one root, for VMs an
 * operator starts by hand: still non-blocking, type-checked and fd-based.
 *
 * <p>Sockets: bind(2) has no "at" form, so a vsock socket is bound at {@code /proc/self/fd/<dir>/<name>} of
 * its directory held open beneath the root ({@link dev.flotilla.kvm.hostfs.SocketDirectory}); a socket left
 * by a killed daemon is removed with fstatat(AT_SYMLINK_NOFOLLOW) + unlinkat on that directory fd, and only if
 * it is a socket.
 */
package dev.flotilla.kvm.hostfs;
