package dev.flotilla.vm.devices.net;

import dev.flotilla.kvm.net.Tap;
import dev.flotilla.kvm.sys.NativeException;

/** A {@link FrameBackend} over a host TAP interface. Owns the TAP: closing the backend closes it. */
public final class TapBackend implements FrameBackend {

    private final Tap tap;

    public TapBackend(Tap tap) {
        this.tap = tap;
    }

    /** Opens (creating it if absent) the TAP called {@code hostDevName}. */
    public static TapBackend open(String hostDevName) {
        return new TapBackend(Tap.open(hostDevName));
    }

    public Tap tap() {
        return tap;
    }

    @Override
    public int pollFd() {
        return tap.fd();
    }

    @Override
    public int readFrame(byte[] dst, int off, int max) {
        try {
            return tap.read(dst, off, max);
        } catch (NativeException e) {
            throw new FrameIoException(e.getMessage(), e);
        }
    }

    @Override
    public boolean writeFrame(byte[] src, int off, int len) {
        try {
            return tap.write(src, off, len);
        } catch (NativeException e) {
            throw new FrameIoException(e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return "tap " + tap.name();
    }

    @Override
    public void close() {
        tap.close();
    }
}
