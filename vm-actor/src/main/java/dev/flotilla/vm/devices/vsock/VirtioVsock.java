package dev.flotilla.vm.devices.vsock;

import dev.flotilla.kvm.hostfs.HostFiles;
import dev.flotilla.kvm.sys.LibC;
import dev.flotilla.vm.config.VsockConfig;
import dev.flotilla.vm.virtio.DescriptorChain;
import dev.flotilla.vm.virtio.SplitQueue;
import dev.flotilla.vm.virtio.VirtioFeatures;
import dev.flotilla.vm.virtio.WorkerBackedDevice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * virtio-vsock (device type 19) with Firecracker's host side: queues rx (0), tx (1) and event (2); the
 * configuration space is the guest's CID (le64). Host programs reach guest listeners through the Unix
 * socket at {@code uds_path} ({@code CONNECT <port>\n} → {@code OK <host port>\n}, then the byte stream);
 * a guest connection to host port P is bridged to {@code <uds_path>_<P>}. The connection logic is the
 * {@link VsockMuxer}'s; this class moves packets between it and the queues, and waits on the listener and
 * the host streams in the device worker's epoll next to the queue eventfds.
 *
 * <p>Rx buffers are consumed only when a packet is ready, and host streams are read only into an rx buffer
 * the guest has credit for; tx packets are taken as long as their replies have room to wait. The event
 * queue's buffers stay with the device: its only event (transport reset) belongs to snapshot restore.
 */
public final class VirtioVsock extends WorkerBackedDevice implements dev.flotilla.vm.devices.LiveDevice {

    public static final int DEVICE_TYPE = 19;
    public static final int QUEUE_SIZE = 256;
    static final int RX = 0;
    static final int TX = 1;
    static final int EVENT = 2;

    private final long guestCid;
    private final Path udsPath;
    private final VsockLimits limits;
    private final VsockMetrics metrics = new VsockMetrics();
    private final UnixSockets sockets;
    private final UnixListener listener;
    private final VsockMuxer muxer;
    private final byte[] header = new byte[VsockHeader.SIZE];
    private final byte[] payload;

    private VirtioVsock(String name, long guestCid, Path udsPath, VsockLimits limits, UnixSockets sockets,
                        UnixListener listener) {
        super(name, 3);
        this.guestCid = guestCid;
        this.udsPath = udsPath;
        this.limits = limits;
        this.sockets = sockets;
        this.listener = listener;
        this.payload = new byte[limits.maxPayload()];
        VsockMuxer.Watcher watcher = new VsockMuxer.Watcher() {
            @Override
            public void watch(int fd, int events, long token) {
                worker.addBackend(fd, events, token);
            }

            @Override
            public void change(int fd, int events, long token) {
                worker.modifyBackend(fd, events, token);
            }

            @Override
            public void unwatch(int fd) {
                worker.removeBackend(fd);
            }
        };
        this.muxer = new VsockMuxer(guestCid, limits, port -> sockets.connect(listener.directory().socketAddress("_" + port)), watcher, metrics,
                System::nanoTime);
        worker.addBackend(listener.fd(), LibC.EPOLLIN, VsockMuxer.LISTENER_TOKEN);
    }

    /**
     * Creates the device and binds its Unix socket at the config's {@code uds_path} (host programs may
     * connect at once; they are served once the guest driver is up).
     *
     * @throws IOException if the socket cannot be bound (path exists, directory missing, too long)
     */
    public static VirtioVsock open(String name, VsockConfig config, VsockLimits limits) throws IOException {
        return open(name, config, limits, HostFiles.unconfined());
    }

    /**
     * As {@link #open(String, VsockConfig, VsockLimits)}, with the socket's directory opened beneath its root in
     * {@code files}: a socket left at {@code uds_path} by an earlier run (a daemon killed with -9) is removed;
     * a regular file, a link or anything else there is refused and left untouched.
     */
    public static VirtioVsock open(String name, VsockConfig config, VsockLimits limits, HostFiles files) throws IOException {
        UnixSockets sockets = new UnixSockets();
        UnixListener listener = null;
        try {
            listener = sockets.listen(files.socketDirectory(config.udsPath()));
            return new VirtioVsock(name, config.guestCid(), config.udsPath(), limits, sockets, listener);
        } catch (IOException | RuntimeException e) {
            if (listener != null) listener.close();
            sockets.close();
            throw e;
        }
    }

    /** Where a guest connection to host port {@code port} is bridged: {@code <uds_path>_<port>}. */
    public Path hostPath(long port) {
        return Path.of(udsPath + "_" + port);
    }

    public long guestCid() {
        return guestCid;
    }

    public Path udsPath() {
        return udsPath;
    }

    /** Firecracker's vsock metric names where they exist. */
    @Override
    public java.util.Map<String, Long> counters() {
        VsockMetrics.Snapshot m = metrics();
        java.util.Map<String, Long> c = new java.util.TreeMap<>();
        c.put("conns_added", m.hostConnections() + m.guestConnections());
        c.put("conn_event_fails", m.refusedTableFull() + m.refusedNoListener() + m.refusedByGuest() + m.handshakeErrors());
        c.put("rx_bytes_count", m.bytesToGuest());
        c.put("tx_bytes_count", m.bytesToHost());
        c.put("rx_packets_count", m.packetsToGuest());
        c.put("tx_packets_count", m.packetsFromGuest());
        c.put("rx_read_fails", m.hostIoErrors());
        c.put("tx_flush_fails", m.malformedPackets() + m.creditViolations());
        c.put("active_connections", (long) m.activeConnections());
        return c;
    }

    /** Firecracker allows no vsock change after boot. */
    @Override
    public java.util.concurrent.CompletionStage<Void> apply(dev.flotilla.vm.devices.DeviceUpdate update) {
        throw new dev.flotilla.vm.config.InvalidConfigException("vsock", "the vsock device cannot be changed after boot");
    }

    public VsockMetrics.Snapshot metrics() {
        return metrics.snapshot();
    }

    @Override
    public int deviceType() {
        return DEVICE_TYPE;
    }

    @Override
    public long deviceFeatures() {
        return VirtioFeatures.RING_INDIRECT_DESC | VirtioFeatures.RING_EVENT_IDX;   // stream only: no feature bit
    }

    @Override
    public int queueMaxSize(int q) {
        return QUEUE_SIZE;
    }

    @Override
    public void readConfig(long offset, byte[] data) {
        for (int i = 0; i < data.length; i++) {
            long at = offset + i;
            if (at >= 0 && at < 8) data[i] = (byte) (guestCid >>> (8 * at));
        }
    }

    @Override
    public void writeConfig(long offset, byte[] data) {
        // guest_cid is read-only
    }

    @Override
    public void queueKicked(int q) {
        if (q == RX || q == TX) service();
    }

    @Override
    public void backendReady(long token, int events) {
        if (token == VsockMuxer.LISTENER_TOKEN) {
            muxer.acceptFrom(listener);
        } else {
            muxer.onHostReady(token, events);
        }
        service();
    }

    @Override
    public void deadlineReached() {
        muxer.onDeadline();
        service();
    }

    @Override
    protected void deactivated() {
        muxer.reset();   // the worker has stopped: no concurrent access
    }

    /** Takes tx packets while their replies have room, then fills rx buffers; repeats while that frees room. */
    private void service() {
        if (queues == null) return;
        boolean more = true;
        while (more) {
            boolean txBlocked = !processTx();
            pumpRx();
            more = txBlocked && muxer.canTakeGuestPacket();
        }
        long d = muxer.nextDeadline();
        worker.setDeadline(d);
    }

    /** @return false if it stopped because replies have no room (more tx may be waiting) */
    private boolean processTx() {
        SplitQueue txq = queues.queue(TX);
        while (true) {
            if (!muxer.canTakeGuestPacket()) return false;
            Optional<DescriptorChain> next = txq.pop();
            if (next.isEmpty()) {
                if (!txq.enableNotification()) return true;
                continue;
            }
            DescriptorChain chain = next.get();
            handleTx(chain);
            complete(txq, chain, 0);
        }
    }

    private void handleTx(DescriptorChain chain) {
        if (chain.read(0, header, 0, VsockHeader.SIZE) < VsockHeader.SIZE) {
            metrics.malformedPackets.increment();
            return;
        }
        VsockHeader h = VsockHeader.decode(header, 0);
        long carried = chain.readableLength() - VsockHeader.SIZE;
        if (h.len() > limits.maxPayload() || h.len() > carried) {
            metrics.malformedPackets.increment();
            return;
        }
        int len = (int) h.len();
        if (chain.read(VsockHeader.SIZE, payload, 0, len) < len) {
            metrics.malformedPackets.increment();
            return;
        }
        muxer.onGuestPacket(h, payload, 0);
    }

    private void pumpRx() {
        SplitQueue rxq = queues.queue(RX);
        while (muxer.hasRxWork()) {
            Optional<DescriptorChain> next = rxq.pop();
            if (next.isEmpty()) {
                if (!rxq.enableNotification()) return;   // no buffers: the guest's kick brings us back
                continue;
            }
            DescriptorChain chain = next.get();
            ChainSink sink = new ChainSink(chain);
            if (sink.capacity() < VsockHeader.SIZE) {
                metrics.malformedPackets.increment();
                complete(rxq, chain, 0);
                continue;
            }
            int n = muxer.fillRx(sink);
            if (n == 0) {
                rxq.undoPop();
                return;
            }
            complete(rxq, chain, n);
        }
    }

    /** The writable part of an rx chain as a packet sink. */
    private record ChainSink(DescriptorChain chain) implements PacketSink {
        @Override
        public int capacity() {
            return (int) Math.min(Integer.MAX_VALUE, chain.writableLength());
        }

        @Override
        public void write(int at, byte[] src, int off, int len) {
            chain.write(at, src, off, len);
        }
    }

    @Override
    public void close() {
        worker.stop();   // the muxer is the worker's: stop it before touching the connections
        muxer.reset();
        super.close();
        listener.close();
        sockets.close();
    }
}
