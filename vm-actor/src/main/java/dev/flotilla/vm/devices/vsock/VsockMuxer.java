package dev.flotilla.vm.devices.vsock;

import static dev.flotilla.vm.devices.vsock.VsockHeader.HOST_CID;
import static dev.flotilla.vm.devices.vsock.VsockHeader.OP_REQUEST;
import static dev.flotilla.vm.devices.vsock.VsockHeader.OP_RST;
import static dev.flotilla.vm.devices.vsock.VsockHeader.TYPE_STREAM;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The host side of one vsock device, Firecracker's model: routes guest packets to connections by port
 * pair, accepts host programs from the {@code uds_path} listener, connects guest requests to
 * {@code <uds_path>_<port>}, and decides which packet goes into the next rx buffer (replies to strays
 * first, then connections round-robin, so one busy stream cannot starve the others).
 *
 * <p>Everything runs on the device worker thread; the I/O readiness of host streams comes in through
 * {@link #onHostReady} and the muxer asks for the epoll interest it needs through a {@link Watcher}.
 * Bounds: at most {@code maxConnections} connections (host programs beyond it are closed at once, guest
 * requests beyond it get a RST); replies to packets for unknown connections wait in a queue of
 * {@link #MAX_PENDING_REPLIES}, and while it is full the device stops taking tx packets from the guest
 * (backpressure through the ring, not memory).
 */
public final class VsockMuxer {

    /** The listener's epoll token; connections take tokens above it. */
    public static final long LISTENER_TOKEN = dev.flotilla.vm.virtio.DeviceWorker.FIRST_BACKEND_TOKEN;
    static final int MAX_PENDING_REPLIES = 64;
    /** Host-initiated connections take local ports from here upwards (as Firecracker does). */
    static final long FIRST_LOCAL_PORT = 1L << 30;
    private static final int MAX_ACCEPTS_PER_WAKE = 32;

    /** How the muxer asks the worker's epoll for readiness of host streams. */
    public interface Watcher {
        void watch(int fd, int events, long token);

        void change(int fd, int events, long token);

        void unwatch(int fd);
    }

    /** Where host programs come from: the {@code uds_path} listener. */
    public interface HostListener {
        /** The next pending connection, non-blocking; null if none. */
        HostStream accept() throws IOException;
    }

    private record PortPair(long hostPort, long guestPort) {}

    private final long guestCid;
    private final VsockLimits limits;
    private final HostConnector connector;
    private final Watcher watcher;
    private final VsockMetrics metrics;
    private final LongSupplier clock;
    private final Map<Long, VsockConnection> byToken = new HashMap<>();
    private final Map<PortPair, VsockConnection> byPorts = new HashMap<>();
    private final Set<Long> localPorts = new HashSet<>();
    private final ArrayDeque<VsockConnection> rxQueue = new ArrayDeque<>();
    private final ArrayDeque<VsockHeader> replies = new ArrayDeque<>();
    private final byte[] scratch;
    private long nextToken = LISTENER_TOKEN + 1;
    private long nextLocalPort = FIRST_LOCAL_PORT;
    private boolean deadlinesDirty;
    private long nextDeadline = Long.MAX_VALUE;

    public VsockMuxer(long guestCid, VsockLimits limits, HostConnector connector, Watcher watcher,
                      VsockMetrics metrics, LongSupplier clock) {
        this.guestCid = guestCid;
        this.limits = limits;
        this.connector = connector;
        this.watcher = watcher;
        this.metrics = metrics;
        this.clock = clock;
        this.scratch = new byte[limits.maxPayload()];
    }

    public int connectionCount() {
        return byToken.size();
    }

    /** The listener is readable: takes the pending host programs (a bounded number per wake-up). */
    public void acceptFrom(HostListener listener) {
        for (int i = 0; i < MAX_ACCEPTS_PER_WAKE; i++) {
            HostStream s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                metrics.hostIoErrors.increment();
                return;
            }
            if (s == null) return;
            if (byToken.size() >= limits.maxConnections()) {
                metrics.refusedTableFull.increment();
                s.close();
                continue;
            }
            VsockConnection c = VsockConnection.fromHost(nextToken++, s, guestCid, limits, metrics, clock.getAsLong());
            byToken.put(c.token, c);
            deadlinesDirty = true;
            settle(c);
        }
    }

    /** A host stream's fd is ready. */
    public void onHostReady(long token, int events) {
        VsockConnection c = byToken.get(token);
        if (c == null) return;   // closed while the event was in flight
        long now = clock.getAsLong();
        if (c.state == VsockConnection.State.HOST_HANDSHAKE) {
            long port = c.readConnectLine();
            if (port == VsockConnection.LINE_FAILED) {
                metrics.handshakeErrors.increment();
                c.kill(false);
            } else if (port >= 0) {
                long local = allocateLocalPort();
                c.startLocalInit(local, port, now);
                localPorts.add(local);
                byPorts.put(new PortPair(local, port), c);
                metrics.hostConnections.increment();
                deadlinesDirty = true;
            }
        } else {
            long before = c.deadline;
            c.onHostReady(events, now);
            if (c.deadline != before) deadlinesDirty = true;
        }
        settle(c);
    }

    private long allocateLocalPort() {
        while (true) {
            long p = nextLocalPort;
            nextLocalPort = nextLocalPort >= 0xFFFF_FFFFL ? FIRST_LOCAL_PORT : nextLocalPort + 1;
            if (!localPorts.contains(p)) return p;
        }
    }

    /** True while a packet from the guest can be taken (its reply, if any, has a place to wait). */
    public boolean canTakeGuestPacket() {
        return replies.size() < MAX_PENDING_REPLIES;
    }

    /**
     * A packet the guest put on the tx queue. {@code payload[off, off+h.len())} holds its data; the device
     * has checked that the chain really carried {@code h.len()} bytes and that it is at most
     * {@code maxPayload}.
     */
    public void onGuestPacket(VsockHeader h, byte[] payload, int off) {
        metrics.packetsFromGuest.increment();
        if (h.srcCid() != guestCid || h.dstCid() != HOST_CID) {
            metrics.malformedPackets.increment();   // spoofed or misaddressed: no reply (Firecracker drops these)
            return;
        }
        if (h.type() != TYPE_STREAM) {
            metrics.malformedPackets.increment();
            replyRst(h);
            return;
        }
        VsockConnection c = byPorts.get(new PortPair(h.dstPort(), h.srcPort()));
        if (c == null) {
            if (h.op() == OP_REQUEST) {
                openFromGuest(h);
            } else {
                replyRst(h);
            }
            return;
        }
        long before = c.deadline;
        c.onGuestPacket(h, payload, off, clock.getAsLong());
        if (c.deadline != before) deadlinesDirty = true;
        settle(c);
    }

    private void openFromGuest(VsockHeader h) {
        if (byToken.size() >= limits.maxConnections()) {
            metrics.refusedTableFull.increment();
            replyRst(h);
            return;
        }
        HostStream s;
        try {
            s = connector.connect(h.dstPort());
        } catch (IOException e) {
            metrics.refusedNoListener.increment();
            replyRst(h);
            return;
        }
        VsockConnection c = VsockConnection.fromGuest(nextToken++, s, guestCid, limits, metrics, h);
        byToken.put(c.token, c);
        byPorts.put(new PortPair(c.hostPort, c.guestPort), c);
        metrics.guestConnections.increment();
        settle(c);
    }

    private void replyRst(VsockHeader to) {
        if (to.op() == OP_RST) return;   // never answer a RST with one
        if (replies.size() >= MAX_PENDING_REPLIES) {
            metrics.droppedReplies.increment();   // unreachable while the device honours canTakeGuestPacket
            return;
        }
        replies.add(VsockHeader.toGuest(guestCid, to.dstPort(), to.srcPort(), OP_RST, 0, 0, 0, 0));
    }

    /** True if some packet is waiting for an rx buffer. */
    public boolean hasRxWork() {
        return !replies.isEmpty() || !rxQueue.isEmpty();
    }

    /**
     * Fills one rx buffer with the next packet owed to the guest.
     *
     * @return bytes written, or 0 if nothing was ready after all (the caller puts the buffer back)
     */
    int fillRx(PacketSink sink) {
        if (sink.capacity() < VsockHeader.SIZE) return 0;
        VsockHeader reply = replies.poll();
        if (reply != null) {
            byte[] b = reply.encode();
            sink.write(0, b, 0, b.length);
            metrics.rstSent.increment();
            metrics.packetsToGuest.increment();
            return VsockHeader.SIZE;
        }
        long now = clock.getAsLong();
        VsockConnection c;
        while ((c = rxQueue.poll()) != null) {
            c.queuedForRx = false;
            long before = c.deadline;
            int n = c.hasRxWork() ? c.fillRx(sink, scratch, now) : 0;
            if (c.deadline != before) deadlinesDirty = true;
            settle(c);
            if (n > 0) return n;
        }
        return 0;
    }

    /** Brings a connection's epoll interest, rx queueing and table entries in line with its state. */
    private void settle(VsockConnection c) {
        if (c.state == VsockConnection.State.KILLED) {
            if (!c.hostClosed) {
                if (c.registeredEvents >= 0) watcher.unwatch(c.host.fd());
                c.registeredEvents = -1;
                c.host.close();
                c.hostClosed = true;
            }
            if (c.isFinished()) {
                remove(c);
                return;
            }
        } else if (c.hostHup) {
            if (c.registeredEvents >= 0) watcher.unwatch(c.host.fd());
            c.registeredEvents = -1;
        } else {
            int want = c.desiredEvents();
            if (c.registeredEvents < 0) {
                watcher.watch(c.host.fd(), want, c.token);
                c.registeredEvents = want;
            } else if (c.registeredEvents != want) {
                watcher.change(c.host.fd(), want, c.token);
                c.registeredEvents = want;
            }
        }
        if (!c.queuedForRx && c.hasRxWork()) {
            c.queuedForRx = true;
            rxQueue.add(c);
        }
        metrics.activeConnections = byToken.size();
    }

    private void remove(VsockConnection c) {
        byToken.remove(c.token);
        if (c.hostPort >= 0) {
            byPorts.remove(new PortPair(c.hostPort, c.guestPort), c);
            if (c.hostPort >= FIRST_LOCAL_PORT) localPorts.remove(c.hostPort);
        }
        if (c.queuedForRx) {
            rxQueue.remove(c);
            c.queuedForRx = false;
        }
        deadlinesDirty = true;
        metrics.activeConnections = byToken.size();
    }

    /** The earliest connection deadline (System.nanoTime() scale), or Long.MAX_VALUE. */
    public long nextDeadline() {
        if (deadlinesDirty) {
            long min = Long.MAX_VALUE;
            for (VsockConnection c : byToken.values()) {
                if (c.deadline != Long.MAX_VALUE && (min == Long.MAX_VALUE || c.deadline - min < 0)) min = c.deadline;
            }
            nextDeadline = min;
            deadlinesDirty = false;
        }
        return nextDeadline;
    }

    /** Expires connections whose deadline has passed. */
    public void onDeadline() {
        long now = clock.getAsLong();
        List<VsockConnection> due = new ArrayList<>();
        for (VsockConnection c : byToken.values()) {
            if (c.deadline != Long.MAX_VALUE && now - c.deadline >= 0) due.add(c);
        }
        for (VsockConnection c : due) {
            c.onDeadline(now);
            settle(c);
        }
        deadlinesDirty = true;
    }

    /** The driver reset the device: every connection ends without telling the (gone) guest. */
    public void reset() {
        for (VsockConnection c : new ArrayList<>(byToken.values())) {
            c.kill(false);
            settle(c);
        }
        byToken.clear();
        byPorts.clear();
        localPorts.clear();
        rxQueue.clear();
        replies.clear();
        deadlinesDirty = true;
        metrics.activeConnections = 0;
    }
}
