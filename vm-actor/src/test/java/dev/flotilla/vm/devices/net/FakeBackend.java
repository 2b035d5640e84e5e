package dev.flotilla.vm.devices.net;

import dev.flotilla.kvm.EventFd;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-memory frame backend. Frames the host "sends" wait in a queue; an eventfd is readable while
 * any wait, so a device worker can watch it like a TAP. Thread-safe (the test thread feeds, the
 * worker reads).
 */
final class FakeBackend implements FrameBackend {

    private final ArrayDeque<byte[]> incoming = new ArrayDeque<>();
    final List<byte[]> sent = new CopyOnWriteArrayList<>();
    private final EventFd readable = EventFd.create(true);
    volatile boolean failReads;
    volatile boolean failWrites;
    volatile boolean full;
    volatile int reads;

    synchronized void push(byte[] frame) {
        incoming.add(frame.clone());
        if (incoming.size() == 1) readable.signal();
    }

    synchronized int waiting() {
        return incoming.size();
    }

    @Override
    public int pollFd() {
        return readable.fd();
    }

    @Override
    public synchronized int readFrame(byte[] dst, int off, int max) {
        reads++;
        if (failReads) throw new FrameIoException("fake read failure");
        byte[] f = incoming.poll();
        if (incoming.isEmpty()) readable.read();
        if (f == null) return NO_FRAME;
        int n = Math.min(f.length, max);
        System.arraycopy(f, 0, dst, off, n);
        return n;
    }

    @Override
    public boolean writeFrame(byte[] src, int off, int len) {
        if (failWrites) throw new FrameIoException("fake write failure");
        if (full) return false;
        sent.add(Arrays.copyOfRange(src, off, off + len));
        return true;
    }

    @Override
    public String describe() {
        return "fake";
    }

    @Override
    public void close() {
        readable.close();
    }
}
