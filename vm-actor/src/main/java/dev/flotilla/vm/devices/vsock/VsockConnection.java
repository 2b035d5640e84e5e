package dev.flotilla.vm.devices.vsock;

import static dev.flotilla.vm.devices.vsock.VsockHeader.OP_CREDIT_REQUEST;
import static dev.flotilla.vm.devices.vsock.VsockHeader.OP_CREDIT_UPDATE;
import static dev.flotilla.vm.devices.vsock.VsockHeader.OP_REQUEST;
import static dev.flotilla.vm.devices.vsock.VsockHeader.OP_RESPONSE;
import static dev.flotilla.vm.devices.vsock.VsockHeader.OP_RST;
import static dev.flotilla.vm.devices.vsock.VsockHeader.OP_RW;
import static dev.flotilla.vm.devices.vsock.VsockHeader.OP_SHUTDOWN;
import static dev.flotilla.vm.devices.vsock.VsockHeader.SHUTDOWN_RCV;
import static dev.flotilla.vm.devices.vsock.VsockHeader.SHUTDOWN_SEND;

import dev.flotilla.kvm.sys.LibC;
import java.io.IOException;
import java.util.OptionalLong;

/**
 * One stream between a guest socket and a host program: its state machine and both credit directions.
 * Pure logic over a {@link HostStream}; owned by the {@link VsockMuxer} on the device worker thread.
 *
 * <p>States. A host-initiated connection starts in {@code HOST_HANDSHAKE} (reading {@code CONNECT <port>}),
 * then {@code LOCAL_INIT} (a REQUEST owed or sent to the guest, waiting for its RESPONSE); a guest-initiated
 * one starts in {@code PEER_INIT} (the host side is connected, a RESPONSE is owed). Both reach
 * {@code ESTABLISHED}; {@code KILLED} is the end (a RST may still be owed to the guest).
 *
 * <p>Credit, guest → host: we advertise {@code bufAlloc} and count in {@code fwdCnt} the bytes handed to
 * the host program; what the guest sent and we have not yet forwarded ({@code rxCnt - fwdCnt}) sits in a
 * ring of exactly {@code bufAlloc} bytes, so a guest that exceeds its credit is reset rather than buffered.
 * A CREDIT_UPDATE goes out when the guest's view of our free space has fallen below half and we have
 * forwarded more since we last told it (or when it asks). Host → guest: we read the host stream only when
 * the guest has credit ({@code peerBufAlloc - (txCnt - peerFwdCnt)}) and an rx buffer is at hand, and read
 * at most that much, so nothing is buffered in this direction at all.
 *
 * <p>Closing follows Firecracker: host end of stream → SHUTDOWN(SEND) (plus RCV once the host cannot take
 * data either) and, once both, a bounded wait for the guest's RST; the guest's SHUTDOWN of both directions →
 * forward what is buffered, close the host stream, RST; any RST → close at once.
 */
final class VsockConnection {

    enum State { HOST_HANDSHAKE, LOCAL_INIT, PEER_INIT, ESTABLISHED, KILLED }

    private static final long U32 = 0xFFFF_FFFFL;

    final long token;
    final HostStream host;
    private final long guestCid;
    private final VsockLimits limits;
    private final VsockMetrics metrics;

    State state;
    long hostPort = -1;
    long guestPort = -1;

    // host side
    /** The stream may hold bytes (or its end) we have not read: read before watching EPOLLIN again. */
    boolean hostReadable;
    boolean hostEof;
    /** The host program can take no more data (EPIPE, or it closed entirely). */
    boolean hostOutputBroken;
    /** EPOLLHUP seen: the fd must leave the epoll set (HUP cannot be masked) though its data is still read. */
    boolean hostHup;
    boolean hostOutputShut;
    boolean hostClosed;
    private ByteRing toHost;
    private final byte[] line = new byte[ConnectLine.MAX_LENGTH];
    private int lineLen;

    // guest side
    boolean guestShutSend;
    boolean guestShutRcv;
    /** The guest sent RST while data for the host was still buffered: drain it, then close silently. */
    private boolean peerReset;

    // credit we give (guest → host)
    private long rxCnt;
    private long fwdCnt;
    private long lastSentFwdCnt;
    // credit the guest gives (host → guest)
    private long peerBufAlloc;
    private long peerFwdCnt;
    private long txCnt;

    // control packets owed to the guest
    private boolean owesRequest;
    private boolean owesResponse;
    private boolean owesCreditUpdate;
    private boolean owesRst;
    private long owesShutdown;
    private long sentShutdown;

    long deadline = Long.MAX_VALUE;
    /** Events registered in the worker's epoll, -1 when not registered (the muxer keeps this). */
    int registeredEvents = -1;
    /** In the muxer's rx round-robin queue. */
    boolean queuedForRx;

    private VsockConnection(long token, HostStream host, long guestCid, VsockLimits limits, VsockMetrics metrics) {
        this.token = token;
        this.host = host;
        this.guestCid = guestCid;
        this.limits = limits;
        this.metrics = metrics;
    }

    /** A host program connected to {@code uds_path}; it must send its CONNECT line before the deadline. */
    static VsockConnection fromHost(long token, HostStream host, long guestCid, VsockLimits limits,
                                    VsockMetrics metrics, long now) {
        VsockConnection c = new VsockConnection(token, host, guestCid, limits, metrics);
        c.state = State.HOST_HANDSHAKE;
        c.deadline = now + limits.handshakeTimeoutNanos();
        return c;
    }

    /** The guest's REQUEST reached a host listener: a RESPONSE is owed. */
    static VsockConnection fromGuest(long token, HostStream host, long guestCid, VsockLimits limits,
                                     VsockMetrics metrics, VsockHeader request) {
        VsockConnection c = new VsockConnection(token, host, guestCid, limits, metrics);
        c.state = State.PEER_INIT;
        c.hostPort = request.dstPort();
        c.guestPort = request.srcPort();
        c.peerBufAlloc = request.bufAlloc();
        c.peerFwdCnt = request.fwdCnt();
        c.owesResponse = true;
        return c;
    }

    /** Outcome of reading the handshake line. */
    static final long LINE_INCOMPLETE = -1;
    static final long LINE_FAILED = -2;

    /**
     * Reads what there is of the CONNECT line, consuming only up to its newline so that bytes the program
     * sent right behind it stay in the stream for the guest.
     *
     * @return the guest port, {@link #LINE_INCOMPLETE}, or {@link #LINE_FAILED} (malformed, too long, closed)
     */
    long readConnectLine() {
        try {
            int room = line.length - lineLen;
            int n = host.peek(line, lineLen, room);
            if (n == HostStream.EOF) return LINE_FAILED;
            if (n == 0) return LINE_INCOMPLETE;
            int nl = -1;
            for (int i = lineLen; i < lineLen + n; i++) {
                if (line[i] == '\n') {
                    nl = i;
                    break;
                }
            }
            int take = nl >= 0 ? nl + 1 - lineLen : n;
            int got = host.read(line, lineLen, take);
            if (got != take) return LINE_FAILED;   // peeked bytes vanished: not a stream we understand
            lineLen += take;
            if (nl < 0) return lineLen >= line.length ? LINE_FAILED : LINE_INCOMPLETE;
            OptionalLong port = ConnectLine.parse(line, nl);
            return port.isPresent() ? port.getAsLong() : LINE_FAILED;
        } catch (IOException e) {
            return LINE_FAILED;
        }
    }

    /** The CONNECT line named {@code port}: ask the guest. */
    void startLocalInit(long localPort, long port, long now) {
        state = State.LOCAL_INIT;
        hostPort = localPort;
        guestPort = port;
        owesRequest = true;
        deadline = now + limits.requestTimeoutNanos();
    }

    /** Credit the guest gives us right now (bytes we may send it). */
    long peerCredit() {
        long inFlight = (txCnt - peerFwdCnt) & U32;
        return Math.max(0, peerBufAlloc - inFlight);
    }

    /** Bytes of the guest's data not yet handed to the host program. */
    long unforwarded() {
        return (rxCnt - fwdCnt) & U32;
    }

    /** A packet from the guest for this connection (already routed by ports and validated by the muxer). */
    void onGuestPacket(VsockHeader h, byte[] payload, int off, long now) {
        if (state == State.KILLED || state == State.HOST_HANDSHAKE || peerReset) return;
        peerBufAlloc = h.bufAlloc();
        peerFwdCnt = h.fwdCnt();
        if (h.op() == OP_RST) {
            metrics.rstReceived.increment();
            if (state == State.LOCAL_INIT) metrics.refusedByGuest.increment();
            if (state == State.ESTABLISHED && toHost != null && !toHost.isEmpty() && !hostOutputBroken) {
                // what the guest sent before its RST is still delivered (as a Linux peer would let it be
                // read): drain, bounded by the shutdown timeout, then close without answering
                peerReset = true;
                guestShutSend = true;
                guestShutRcv = true;
                advance(now);
                return;
            }
            kill(false);
            return;
        }
        switch (state) {
            case LOCAL_INIT -> {
                if (h.op() != OP_RESPONSE) {
                    protocolError();
                    return;
                }
                byte[] ok = ConnectLine.ok(hostPort);
                int n;
                try {
                    n = host.write(ok, 0, ok.length);
                } catch (IOException e) {
                    n = -1;
                }
                if (n != ok.length) {   // a fresh socket takes 15 bytes unless its reader is gone
                    metrics.hostIoErrors.increment();
                    kill(true);
                    return;
                }
                state = State.ESTABLISHED;
                deadline = Long.MAX_VALUE;
                hostReadable = true;   // it may have written behind its CONNECT line while we waited
            }
            case PEER_INIT -> protocolError();   // the guest may only RST before our RESPONSE
            case ESTABLISHED -> onEstablishedPacket(h, payload, off, now);
            default -> { }
        }
    }

    private void onEstablishedPacket(VsockHeader h, byte[] payload, int off, long now) {
        switch (h.op()) {
            case OP_RW -> {
                int len = (int) h.len();
                if (guestShutSend) {
                    protocolError();
                    return;
                }
                if (len > limits.bufAlloc() - unforwarded()) {
                    metrics.creditViolations.increment();
                    kill(true);
                    return;
                }
                acceptData(payload, off, len);
            }
            case OP_CREDIT_UPDATE -> { }   // the credit fields were taken above
            case OP_CREDIT_REQUEST -> owesCreditUpdate = true;
            case OP_SHUTDOWN -> {
                if ((h.flags() & SHUTDOWN_RCV) != 0) guestShutRcv = true;
                if ((h.flags() & SHUTDOWN_SEND) != 0) guestShutSend = true;
            }
            default -> {
                protocolError();
                return;
            }
        }
        advance(now);
    }

    private void protocolError() {
        metrics.malformedPackets.increment();
        kill(true);
    }

    private void acceptData(byte[] payload, int off, int len) {
        rxCnt = (rxCnt + len) & U32;
        if (hostOutputBroken) {
            fwdCnt = (fwdCnt + len) & U32;   // nobody will read it: count it consumed so the guest never stalls
            return;
        }
        int written = 0;
        if (toHost == null || toHost.isEmpty()) {
            try {
                written = Math.max(0, host.write(payload, off, len));
            } catch (IOException e) {
                hostWriteFailed();
                fwdCnt = (fwdCnt + len) & U32;
                return;
            }
            forwarded(written);
        }
        if (written < len) {
            if (toHost == null) toHost = new ByteRing(limits.bufAlloc());
            toHost.put(payload, off + written, len - written);
        }
    }

    private void forwarded(int n) {
        if (n <= 0) return;
        fwdCnt = (fwdCnt + n) & U32;
        metrics.bytesToHost.add(n);
        long guestViewFree = limits.bufAlloc() - ((rxCnt - lastSentFwdCnt) & U32);
        if (fwdCnt != lastSentFwdCnt && guestViewFree < limits.bufAlloc() / 2) owesCreditUpdate = true;
    }

    private void hostWriteFailed() {
        metrics.hostIoErrors.increment();
        hostOutputBroken = true;
        if (toHost != null) {
            fwdCnt = (fwdCnt + toHost.size()) & U32;
            toHost.clear();
        }
    }

    /** The host stream is ready ({@code events}: EPOLLIN/OUT/ERR/HUP bits); not for HOST_HANDSHAKE. */
    void onHostReady(int events, long now) {
        boolean hup = (events & (LibC.EPOLLHUP | LibC.EPOLLERR)) != 0;
        if (state != State.ESTABLISHED) {
            if (hup && state != State.KILLED) kill(true);   // the program left before the guest accepted
            return;
        }
        if ((events & LibC.EPOLLIN) != 0 || hup) hostReadable = true;
        if (hup) {
            hostHup = true;
            if (!hostOutputBroken) hostWriteFailedQuietly();
        }
        if ((events & LibC.EPOLLOUT) != 0) flushToHost();
        advance(now);
    }

    private void hostWriteFailedQuietly() {
        hostOutputBroken = true;
        if (toHost != null) {
            fwdCnt = (fwdCnt + toHost.size()) & U32;
            toHost.clear();
        }
    }

    private void flushToHost() {
        if (toHost == null || toHost.isEmpty() || hostOutputBroken) return;
        try {
            forwarded(toHost.drainTo(host));
        } catch (IOException e) {
            hostWriteFailed();
        }
    }

    /** Works out what closing steps the flags now call for. */
    private void advance(long now) {
        if (state != State.ESTABLISHED) return;
        if (hostHup && guestShutRcv) hostEof = true;   // nothing more will be read from a stream that is gone
        boolean drained = toHost == null || toHost.isEmpty();
        if (guestShutSend && drained && !hostOutputShut && !hostOutputBroken) {
            host.shutdownOutput();
            hostOutputShut = true;
        }
        long want = (hostEof ? SHUTDOWN_SEND : 0) | (hostOutputBroken ? SHUTDOWN_RCV : 0);
        owesShutdown = want & ~sentShutdown;
        boolean guestClosedBoth = guestShutSend && (guestShutRcv || hostEof);
        if (guestClosedBoth) {
            if (drained || hostOutputBroken) {
                kill(!peerReset);
            } else if (deadline == Long.MAX_VALUE) {
                deadline = now + limits.shutdownTimeoutNanos();   // a host program that never reads
            }
        }
    }

    /** The deadline passed: whatever this connection waited for will not come. */
    void onDeadline(long now) {
        if (now - deadline < 0 || state == State.KILLED) return;
        metrics.timeouts.increment();
        if (state == State.HOST_HANDSHAKE) metrics.handshakeErrors.increment();
        kill(state != State.HOST_HANDSHAKE && !peerReset);
    }

    /** Ends the connection; with {@code rst} the guest is told. The muxer closes the host stream. */
    void kill(boolean rst) {
        if (state == State.KILLED) return;
        boolean guestKnows = state != State.HOST_HANDSHAKE;
        state = State.KILLED;
        owesRst = rst && guestKnows;
        owesRequest = owesResponse = owesCreditUpdate = false;
        owesShutdown = 0;
        deadline = Long.MAX_VALUE;
        hostReadable = false;
        if (toHost != null) toHost.clear();
    }

    boolean isFinished() {
        return state == State.KILLED && !owesRst;
    }

    private boolean canSendData() {
        return state == State.ESTABLISHED && hostReadable && !hostEof && !guestShutRcv && peerCredit() > 0;
    }

    boolean hasRxWork() {
        if (owesRst) return true;
        if (state == State.KILLED) return false;
        return owesRequest || owesResponse || owesShutdown != 0 || owesCreditUpdate || canSendData();
    }

    /** The epoll events this connection wants from its host stream now. */
    int desiredEvents() {
        if (state == State.HOST_HANDSHAKE) return LibC.EPOLLIN;
        if (state != State.ESTABLISHED) return 0;
        int ev = 0;
        if (!hostReadable && !hostEof && !guestShutRcv) ev |= LibC.EPOLLIN;
        if (toHost != null && !toHost.isEmpty() && !hostOutputBroken) ev |= LibC.EPOLLOUT;
        return ev;
    }

    /**
     * Writes the next packet this connection owes the guest into {@code sink}.
     *
     * @param scratch at least {@code limits.maxPayload()} bytes, for host data in transit
     * @return bytes written (header + payload), or 0 if there is nothing to send now
     */
    int fillRx(PacketSink sink, byte[] scratch, long now) {
        if (owesRst) {
            owesRst = false;
            metrics.rstSent.increment();
            return emit(sink, OP_RST, 0, 0);
        }
        if (state == State.KILLED) return 0;
        if (owesRequest) {
            owesRequest = false;
            return emit(sink, OP_REQUEST, 0, 0);
        }
        if (owesResponse) {
            owesResponse = false;
            state = State.ESTABLISHED;
            hostReadable = true;
            return emit(sink, OP_RESPONSE, 0, 0);
        }
        int room = Math.min(sink.capacity() - VsockHeader.SIZE, Math.min(scratch.length, limits.maxPayload()));
        if (canSendData() && room > 0) {
            int want = (int) Math.min(room, peerCredit());
            int n;
            try {
                n = host.read(scratch, 0, want);
            } catch (IOException e) {
                metrics.hostIoErrors.increment();
                kill(true);
                return fillRx(sink, scratch, now);
            }
            if (n > 0) {
                sink.write(VsockHeader.SIZE, scratch, 0, n);
                txCnt = (txCnt + n) & U32;
                metrics.bytesToGuest.add(n);
                return emit(sink, OP_RW, n, 0);
            }
            hostReadable = false;
            if (n == HostStream.EOF) {
                hostEof = true;
                advance(now);
                if (state == State.KILLED) return fillRx(sink, scratch, now);
            }
        }
        if (owesShutdown != 0) {
            sentShutdown |= owesShutdown;
            owesShutdown = 0;
            if (sentShutdown == (SHUTDOWN_RCV | SHUTDOWN_SEND) && deadline == Long.MAX_VALUE) {
                deadline = now + limits.shutdownTimeoutNanos();   // the guest answers with RST, or we do
            }
            return emit(sink, OP_SHUTDOWN, 0, sentShutdown);
        }
        if (owesCreditUpdate) {
            metrics.creditUpdatesSent.increment();
            return emit(sink, OP_CREDIT_UPDATE, 0, 0);
        }
        return 0;
    }

    private int emit(PacketSink sink, int op, int len, long flags) {
        VsockHeader h = VsockHeader.toGuest(guestCid, hostPort, guestPort, op, len, flags, limits.bufAlloc(), fwdCnt);
        byte[] hdr = h.encode();
        sink.write(0, hdr, 0, hdr.length);
        lastSentFwdCnt = fwdCnt;   // every packet carries our credit
        owesCreditUpdate = false;
        metrics.packetsToGuest.increment();
        return VsockHeader.SIZE + len;
    }

    @Override
    public String toString() {
        return "vsock conn " + guestCid + ":" + guestPort + " <-> host:" + hostPort + " " + state;
    }
}
