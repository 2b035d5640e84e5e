package dev.flotilla.kvm.net;

import dev.flotilla.kvm.sys.Errno;
import dev.flotilla.kvm.sys.LibC;
import dev.flotilla.kvm.sys.Native;
import dev.flotilla.kvm.sys.NativeException;
import dev.flotilla.kvm.sys.NativeStruct;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * One open TAP interface: whole Ethernet frames in and out of the host's network stack through a
 * non-blocking fd.
 * <p>Threading: {@link #read} is used by one thread at a time and {@link #write} by one thread at a
 * time (each has its own native buffer), normally both by the owning device worker; {@link #close()}
 * once neither is in progress.
 */
public final class Tap implements AutoCloseable {

    /** Largest frame moved in one call: a 64 KiB IP packet with its Ethernet and VLAN headers. */
    public static final int MAX_FRAME = 65_550;

    /** {@code _IOW('T', 202, int)}. */
    static final long TUNSETIFF = 0x400454CAL;
    static final short IFF_TAP = 0x0002;
    static final short IFF_NO_PI = 0x1000;
    /** struct ifreq: char ifr_name[IFNAMSIZ]; union { short ifr_flags; ... } padded to 40 bytes. */
    static final int IFREQ_SIZE = 40;
    static final int IFNAMSIZ = 16;
    private static final Pattern NAME = Pattern.compile("^[A-Za-z0-9_.-]{1,15}$");

    private final int fd;
    private final String name;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final NativeStruct readBuffer = new NativeStruct(MAX_FRAME);
    private final NativeStruct writeBuffer = new NativeStruct(MAX_FRAME);

    private Tap(int fd, String name) {
        this.fd = fd;
        this.name = name;
    }

    /**
     * Opens the TAP called {@code name}, creating it if it does not exist (a created TAP lives as
     * long as this fd). Needs CAP_NET_ADMIN, or a persistent TAP owned by this user.
     *
     * @throws NativeException naming the failing call, with a hint (permissions, TAP busy, no tun module)
     */
    public static Tap open(String name) {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Tap.open: '" + name + "' is not a valid interface name: "
                    + "1-15 characters of letters, digits, '_', '.', '-'");
        }
        LibC c = Native.libc();
        int fd = c.open("/dev/net/tun", LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        if (fd < 0) {
            int e = Native.errno();
            throw new NativeException("open(/dev/net/tun)", e, e == Errno.ENOENT || e == Errno.ENODEV
                    ? "this host has no TUN/TAP support: load the tun module (modprobe tun)"
                    : e == Errno.EACCES || e == Errno.EPERM ? "check the permissions of /dev/net/tun" : null);
        }
        try (NativeStruct ifr = new NativeStruct(IFREQ_SIZE)) {
            byte[] n = name.getBytes(StandardCharsets.US_ASCII);
            ifr.buffer().put(0, n);
            ifr.buffer().putShort(IFNAMSIZ, (short) (IFF_TAP | IFF_NO_PI));
            if (c.ioctl(fd, TUNSETIFF, ifr.address()) < 0) {
                int e = Native.errno();
                Native.closeQuietly(fd);
                throw new NativeException("TUNSETIFF(" + name + ")", e, tunsetiffHint(name, e));
            }
            byte[] got = new byte[IFNAMSIZ];
            ifr.buffer().get(0, got);
            int len = 0;
            while (len < IFNAMSIZ && got[len] != 0) len++;
            return new Tap(fd, new String(got, 0, len, StandardCharsets.US_ASCII));
        } catch (RuntimeException | Error e) {
            Native.closeQuietly(fd);
            throw e;
        }
    }

    private static String tunsetiffHint(String name, int errno) {
        switch (errno) {
            case Errno.EPERM:
            case Errno.EACCES:
                return "creating or attaching TAP " + name + " needs CAP_NET_ADMIN, or create it beforehand "
                        + "owned by this user: ip tuntap add " + name + " mode tap user $USER";
            case Errno.EBUSY:
                return "TAP " + name + " is already attached to another process (each TAP serves one VM)";
            case Errno.EINVAL:
                return name + " exists but is not a TAP created with these flags (a TUN device, or a TAP "
                        + "created with a vnet header or multi-queue): pick another name or recreate it";
            default:
                return null;
        }
    }

    /** The interface name the kernel gave the TAP. */
    public String name() {
        return name;
    }

    /** The fd, for epoll. */
    public int fd() {
        if (closed.get()) throw new IllegalStateException("TAP " + name + " is closed");
        return fd;
    }

    /**
     * Reads one frame into {@code dst[off, off+max)}.
     *
     * @return the frame's length, or -1 if no frame is waiting; a frame longer than {@code max} is
     *         cut to {@code max} by the kernel (pass room for {@link #MAX_FRAME} to avoid that)
     * @throws NativeException if the read fails otherwise (e.g. EBADFD once the TAP was deleted)
     */
    public int read(byte[] dst, int off, int max) {
        Objects.checkFromIndexSize(off, max, dst.length);
        int want = Math.min(max, MAX_FRAME);
        while (true) {
            long r = Native.libc().read(fd(), readBuffer.address(), want);
            if (r >= 0) {
                readBuffer.buffer().get(0, dst, off, (int) r);
                return (int) r;
            }
            int e = Native.errno();
            if (e == Errno.EAGAIN) return -1;
            if (e != Errno.EINTR) throw NativeException.of("read(TAP " + name + ")", e);
        }
    }

    /**
     * Sends one frame to the host's network stack.
     *
     * @return true if the kernel took it, false if it would block (the frame is not sent)
     * @throws NativeException if the kernel refused it, e.g. EIO while the interface is down
     */
    public boolean write(byte[] src, int off, int len) {
        Objects.checkFromIndexSize(off, len, src.length);
        if (len > MAX_FRAME) {
            throw new IllegalArgumentException("Tap.write: frame of " + len + " bytes exceeds " + MAX_FRAME);
        }
        writeBuffer.buffer().put(0, src, off, len);
        while (true) {
            long r = Native.libc().write(fd(), writeBuffer.address(), len);
            if (r >= 0) return true;
            int e = Native.errno();
            if (e == Errno.EAGAIN) return false;
            if (e != Errno.EINTR) throw NativeException.of("write(TAP " + name + ")", e);
        }
    }

    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        Native.closeQuietly(fd);
        readBuffer.close();
        writeBuffer.close();
    }

    @Override
    public String toString() {
        return "Tap[" + name + "]";
    }
}
