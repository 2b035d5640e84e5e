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
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.kvm.sys.LibC;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The vsock connection state machine and credit flow, against a fake guest and in-memory host streams. */
class VsockMuxerTest {

    private static final VsockLimits LIMITS = new VsockLimits(4, 16 * 1024, 8 * 1024,
            5_000_000_000L, 2_000_000_000L, 2_000_000_000L);
    private static final long LOCAL = VsockMuxer.FIRST_LOCAL_PORT;

    private final FakeGuest guest = new FakeGuest();
    private final VsockMetrics metrics = new VsockMetrics();
    private final long[] now = {1_000_000_000L};
    private final ArrayDeque<HostStream> pendingAccepts = new ArrayDeque<>();
    private final Map<Long, FakeHostStream> hostListeners = new HashMap<>();
    private final VsockMuxer muxer = new VsockMuxer(FakeGuest.CID, LIMITS, port -> {
        FakeHostStream s = hostListeners.remove(port);
        if (s == null) throw new IOException("connect: ENOENT");
        return s;
    }, guest.watcher, metrics, () -> now[0]);

    private FakeHostStream hostConnects() {
        FakeHostStream s = new FakeHostStream();
        pendingAccepts.add(s);
        muxer.acceptFrom(pendingAccepts::poll);
        return s;
    }

    private long tokenOf(FakeHostStream s) {
        // tokens are handed out in order from LISTENER_TOKEN + 1; tests look them up by probing
        for (long t = VsockMuxer.LISTENER_TOKEN + 1; t < VsockMuxer.LISTENER_TOKEN + 1000; t++) {
            if (tokens.getOrDefault(t, null) == s) return t;
        }
        throw new AssertionError("unknown stream");
    }

    private final Map<Long, FakeHostStream> tokens = new HashMap<>();
    private long nextToken = VsockMuxer.LISTENER_TOKEN + 1;

    private FakeHostStream hostConnectsTracked() {
        FakeHostStream s = hostConnects();
        tokens.put(nextToken++, s);
        return s;
    }

    private void ready(FakeHostStream s, int events) {
        muxer.onHostReady(tokenOf(s), events);
    }

    /** Host program connects and asks for guest port 5000; the guest accepts. */
    private FakeHostStream establishedFromHost() {
        FakeHostStream s = hostConnectsTracked();
        s.send("CONNECT 5000\n");
        ready(s, LibC.EPOLLIN);
        FakeGuest.Delivered req = guest.receive(muxer);
        assertEquals(OP_REQUEST, req.header().op());
        guest.send(muxer, OP_RESPONSE, 5000, req.header().srcPort());
        return s;
    }

    @Test
    void hostConnectSendsRequestAndAnswersOkOnceTheGuestAccepts() {
        FakeHostStream s = hostConnectsTracked();
        assertEquals(LibC.EPOLLIN, guest.interest.get(s.fd), "the handshake line is awaited");
        s.send("CONNECT 5000\nhello");
        ready(s, LibC.EPOLLIN);

        FakeGuest.Delivered req = guest.receive(muxer);
        assertNotNull(req);
        VsockHeader h = req.header();
        assertEquals(OP_REQUEST, h.op());
        assertEquals(VsockHeader.HOST_CID, h.srcCid());
        assertEquals(FakeGuest.CID, h.dstCid());
        assertEquals(LOCAL, h.srcPort());
        assertEquals(5000, h.dstPort());
        assertEquals(LIMITS.bufAlloc(), h.bufAlloc());
        assertEquals("", s.receivedText(), "no OK before the guest accepts");
        assertEquals(5, s.unread(), "bytes behind the CONNECT line stay for the guest");

        guest.send(muxer, OP_RESPONSE, 5000, LOCAL);
        assertEquals("OK " + LOCAL + "\n", s.receivedText());
        FakeGuest.Delivered data = guest.receive(muxer);
        assertEquals(OP_RW, data.header().op());
        assertEquals("hello", new String(data.payload()));
        assertEquals(1, metrics.snapshot().hostConnections());
    }

    @Test
    void guestRefusalClosesTheHostConnection() {
        FakeHostStream s = hostConnectsTracked();
        s.send("CONNECT 7\n");
        ready(s, LibC.EPOLLIN);
        guest.receive(muxer);
        guest.send(muxer, OP_RST, 7, LOCAL);
        assertTrue(s.closed);
        assertEquals("", s.receivedText());
        assertEquals(0, muxer.connectionCount());
        assertEquals(1, metrics.snapshot().refusedByGuest());
        assertFalse(guest.interest.containsKey(s.fd), "closed streams leave the epoll set");
    }

    @Test
    void malformedOrOverlongConnectLinesCloseTheStream() {
        FakeHostStream bad = hostConnectsTracked();
        bad.send("HELLO 5000\n");
        ready(bad, LibC.EPOLLIN);
        assertTrue(bad.closed);

        FakeHostStream chatty = hostConnectsTracked();
        chatty.send("CONNECT 00000000000000000000000000000000000005000");
        ready(chatty, LibC.EPOLLIN);
        assertTrue(chatty.closed, "a line longer than 32 bytes is refused, not buffered");
        assertNull(guest.receive(muxer));
        assertEquals(2, metrics.snapshot().handshakeErrors());
    }

    @Test
    void aLineMayArriveInPieces() {
        FakeHostStream s = hostConnectsTracked();
        s.send("CONN");
        ready(s, LibC.EPOLLIN);
        assertNull(guest.receive(muxer));
        s.send("ECT 80\n");
        ready(s, LibC.EPOLLIN);
        assertEquals(80, guest.receive(muxer).header().dstPort());
    }

    @Test
    void silentHostProgramsAndUnansweredRequestsTimeOut() {
        FakeHostStream silent = hostConnectsTracked();
        FakeHostStream waiting = hostConnectsTracked();
        waiting.send("CONNECT 9\n");
        ready(waiting, LibC.EPOLLIN);
        guest.receive(muxer);
        assertEquals(now[0] + LIMITS.requestTimeoutNanos(), muxer.nextDeadline());

        now[0] += LIMITS.requestTimeoutNanos();
        muxer.onDeadline();
        assertTrue(waiting.closed);
        assertFalse(silent.closed, "the handshake has longer");
        assertEquals(OP_RST, guest.receive(muxer).header().op(), "the guest learns the request is void");

        now[0] += LIMITS.handshakeTimeoutNanos();
        muxer.onDeadline();
        assertTrue(silent.closed);
        assertEquals(0, muxer.connectionCount());
        assertEquals(Long.MAX_VALUE, muxer.nextDeadline());
    }

    @Test
    void guestConnectIsBridgedToTheHostListenerForThatPort() {
        FakeHostStream listenerSide = new FakeHostStream();
        hostListeners.put(6000L, listenerSide);
        guest.send(muxer, OP_REQUEST, 1234, 6000);
        FakeGuest.Delivered resp = guest.receive(muxer);
        assertEquals(OP_RESPONSE, resp.header().op());
        assertEquals(6000, resp.header().srcPort());
        assertEquals(1234, resp.header().dstPort());

        guest.sendData(muxer, 1234, 6000, "ping".getBytes());
        assertEquals("ping", listenerSide.receivedText());
        listenerSide.send("pong");
        tokens.put(nextToken++, listenerSide);
        ready(listenerSide, LibC.EPOLLIN);
        FakeGuest.Delivered d = guest.receive(muxer);
        assertEquals(OP_RW, d.header().op());
        assertEquals("pong", new String(d.payload()));
        assertEquals(1, metrics.snapshot().guestConnections());
    }

    @Test
    void guestConnectWithNobodyListeningGetsRst() {
        guest.send(muxer, OP_REQUEST, 1234, 6001);
        FakeGuest.Delivered d = guest.receive(muxer);
        assertEquals(OP_RST, d.header().op());
        assertEquals(6001, d.header().srcPort());
        assertEquals(1234, d.header().dstPort());
        assertEquals(1, metrics.snapshot().refusedNoListener());
    }

    @Test
    void neverSendsTheGuestMoreThanItsCredit() {
        guest.bufAlloc = 10_000;
        FakeHostStream s = establishedFromHost();
        byte[] big = new byte[100_000];
        new Random(1).nextBytes(big);
        s.send(big);

        ByteArrayOutputStream got = new ByteArrayOutputStream();
        for (FakeGuest.Delivered d : guest.drain(muxer)) got.writeBytes(d.payload());
        assertEquals(10_000, got.size(), "exactly the advertised buffer");
        assertEquals(90_000, s.unread(), "the rest stays in the host socket, not in the device");

        // the guest consumes 6000 and says so
        guest.fwdCnt = 6000;
        guest.send(muxer, OP_CREDIT_UPDATE, 5000, LOCAL);
        for (FakeGuest.Delivered d : guest.drain(muxer)) got.writeBytes(d.payload());
        assertEquals(16_000, got.size());

        guest.fwdCnt = 16_000;   // consumed everything so far, and a bigger buffer
        guest.bufAlloc = 200_000;
        guest.send(muxer, OP_CREDIT_UPDATE, 5000, LOCAL);
        for (FakeGuest.Delivered d : guest.drain(muxer)) got.writeBytes(d.payload());
        assertArrayEquals(big, got.toByteArray(), "every byte, in order");
    }

    @Test
    void aStreamWithoutCreditIsNotPolledForInput() {
        guest.bufAlloc = 100;
        FakeHostStream s = establishedFromHost();
        s.send(new byte[1000]);
        guest.drain(muxer);
        int reads = s.reads;
        // level-triggered epoll would spin if EPOLLIN stayed armed for a stream we may not read
        assertEquals(0, guest.interest.get(s.fd) & LibC.EPOLLIN);
        assertNull(guest.receive(muxer));
        assertEquals(reads, s.reads, "no reads without credit");
    }

    @Test
    void readsAtMostOneRxBufferPerPacket() {
        guest.rxBufferSize = VsockHeader.SIZE + 100;
        FakeHostStream s = establishedFromHost();
        s.send(new byte[250]);
        List<FakeGuest.Delivered> got = guest.drain(muxer);
        assertEquals(List.of(100L, 100L, 50L), got.stream().map(d -> d.header().len()).toList());
    }

    @Test
    void slowHostProgramIsBufferedUpToTheAdvertisedSizeAndCreditUpdatesFollowItsReads() {
        FakeHostStream s = establishedFromHost();
        s.writeRoom = 0;   // the program does not read
        byte[] chunk = new byte[4096];
        for (int i = 0; i < 4; i++) guest.sendData(muxer, 5000, LOCAL, chunk);
        assertEquals(LibC.EPOLLOUT, guest.interest.get(s.fd) & LibC.EPOLLOUT, "waits for the host to drain");
        assertNull(guest.receive(muxer), "nothing forwarded: no credit update yet");

        guest.sendData(muxer, 5000, LOCAL, new byte[1]);   // 16 KiB + 1 > buf_alloc
        assertEquals(1, metrics.snapshot().creditViolations());
        assertEquals(OP_RST, guest.receive(muxer).header().op());
        assertTrue(s.closed);
    }

    @Test
    void creditUpdatesTrackWhatTheHostProgramConsumed() {
        FakeHostStream s = establishedFromHost();
        s.writeRoom = 0;
        byte[] chunk = new byte[4096];
        for (int i = 0; i < 3; i++) guest.sendData(muxer, 5000, LOCAL, chunk);   // 12 KiB of 16 in flight
        s.writeRoom = Long.MAX_VALUE;
        ready(s, LibC.EPOLLOUT);
        assertEquals(12_288, s.received.size() - ("OK " + LOCAL + "\n").length());
        FakeGuest.Delivered upd = guest.receive(muxer);
        assertEquals(OP_CREDIT_UPDATE, upd.header().op());
        assertEquals(12_288, upd.header().fwdCnt());
        assertEquals(LIMITS.bufAlloc(), upd.header().bufAlloc());
        assertEquals(0, guest.interest.get(s.fd) & LibC.EPOLLOUT);

        guest.send(muxer, OP_CREDIT_REQUEST, 5000, LOCAL);
        assertEquals(OP_CREDIT_UPDATE, guest.receive(muxer).header().op(), "answered on request");
    }

    @Test
    void hostHalfCloseIsShutdownSendAndGuestCloseEndsWithRst() {
        FakeHostStream s = establishedFromHost();
        s.send("bye");
        s.programShutOutput = true;
        ready(s, LibC.EPOLLIN);
        List<FakeGuest.Delivered> got = guest.drain(muxer);
        assertEquals(2, got.size());
        assertEquals("bye", new String(got.get(0).payload()));
        assertEquals(OP_SHUTDOWN, got.get(1).header().op());
        assertEquals(SHUTDOWN_SEND, got.get(1).header().flags());

        guest.sendData(muxer, 5000, LOCAL, "still talking".getBytes());
        assertTrue(s.receivedText().endsWith("still talking"), "half-closed: the other direction still flows");

        guest.send(muxer, OP_SHUTDOWN, 5000, LOCAL);   // flags 0: ignored
        muxer.onGuestPacket(guest.header(OP_SHUTDOWN, 5000, LOCAL, 0, SHUTDOWN_RCV | SHUTDOWN_SEND), new byte[0], 0);
        assertEquals(OP_RST, guest.receive(muxer).header().op());
        assertTrue(s.closed);
        assertEquals(0, muxer.connectionCount());
    }

    @Test
    void guestShutdownSendHalfClosesTheHostStreamAfterBufferedData() {
        FakeHostStream s = establishedFromHost();
        s.writeRoom = 0;
        guest.sendData(muxer, 5000, LOCAL, "tail".getBytes());
        muxer.onGuestPacket(guest.header(OP_SHUTDOWN, 5000, LOCAL, 0, SHUTDOWN_SEND), new byte[0], 0);
        assertFalse(s.shutOutput, "not before the buffered bytes are out");
        s.writeRoom = Long.MAX_VALUE;
        ready(s, LibC.EPOLLOUT);
        assertTrue(s.receivedText().endsWith("tail"));
        assertTrue(s.shutOutput);
        assertFalse(s.closed, "the host may still answer");
    }

    @Test
    void hostThatHangsUpIsDrainedThenShutDownAndResetIfTheGuestStaysSilent() {
        FakeHostStream s = establishedFromHost();
        s.send("last words");
        s.programGone = true;
        ready(s, LibC.EPOLLIN | LibC.EPOLLHUP);
        assertFalse(guest.interest.containsKey(s.fd), "HUP cannot be masked: the fd leaves epoll");
        List<FakeGuest.Delivered> got = guest.drain(muxer);
        assertEquals("last words", new String(got.get(0).payload()));
        assertEquals(OP_SHUTDOWN, got.get(1).header().op());
        assertEquals(SHUTDOWN_RCV | SHUTDOWN_SEND, got.get(1).header().flags());

        now[0] += LIMITS.shutdownTimeoutNanos();
        muxer.onDeadline();
        assertEquals(OP_RST, guest.receive(muxer).header().op());
        assertEquals(0, muxer.connectionCount());
        assertEquals(1, metrics.snapshot().timeouts());
    }

    @Test
    void guestRstClosesAtOnce() {
        FakeHostStream s = establishedFromHost();
        guest.send(muxer, OP_RST, 5000, LOCAL);
        assertTrue(s.closed);
        assertNull(guest.receive(muxer), "a RST is never answered");
        assertEquals(0, muxer.connectionCount());
    }

    @Test
    void dataBufferedBeforeAGuestRstStillReachesTheHost() {
        FakeHostStream s = establishedFromHost();
        s.writeRoom = 0;
        guest.sendData(muxer, 5000, LOCAL, "final bytes".getBytes());
        guest.send(muxer, OP_RST, 5000, LOCAL);
        assertFalse(s.closed, "draining first");
        s.writeRoom = Long.MAX_VALUE;
        ready(s, LibC.EPOLLOUT);
        assertTrue(s.receivedText().endsWith("final bytes"));
        assertTrue(s.closed);
        assertNull(guest.receive(muxer), "a RST is never answered");
        assertEquals(0, muxer.connectionCount());
    }

    @Test
    void connectionTableIsBounded() {
        for (int i = 0; i < LIMITS.maxConnections(); i++) hostConnectsTracked();
        FakeHostStream extra = hostConnects();
        assertTrue(extra.closed);
        assertEquals(LIMITS.maxConnections(), muxer.connectionCount());
        hostListeners.put(6000L, new FakeHostStream());
        guest.send(muxer, OP_REQUEST, 1, 6000);
        assertEquals(OP_RST, guest.receive(muxer).header().op());
        assertEquals(2, metrics.snapshot().refusedTableFull());
    }

    @Test
    void packetsForUnknownConnectionsGetRstButRepliesAreBounded() {
        for (int i = 0; i < VsockMuxer.MAX_PENDING_REPLIES; i++) {
            assertTrue(muxer.canTakeGuestPacket());
            guest.sendData(muxer, 1000 + i, 77, new byte[1]);
        }
        assertFalse(muxer.canTakeGuestPacket(), "the device must stop taking tx until rx drains");
        assertEquals(VsockMuxer.MAX_PENDING_REPLIES, guest.drain(muxer).size());
        assertTrue(muxer.canTakeGuestPacket());
    }

    @Test
    void spoofedAndMisaddressedPacketsAreDroppedSilently() {
        muxer.onGuestPacket(new VsockHeader(7, 2, 1, 6000, 0, 1, OP_REQUEST, 0, 0, 0), new byte[0], 0);
        muxer.onGuestPacket(new VsockHeader(FakeGuest.CID, 3, 1, 6000, 0, 1, OP_REQUEST, 0, 0, 0), new byte[0], 0);
        assertNull(guest.receive(muxer));
        assertEquals(2, metrics.snapshot().malformedPackets());
    }

    @Test
    void unknownOpOnAnEstablishedConnectionResetsIt() {
        FakeHostStream s = establishedFromHost();
        guest.send(muxer, 99, 5000, LOCAL);
        assertEquals(OP_RST, guest.receive(muxer).header().op());
        assertTrue(s.closed);
    }

    @Test
    void resetForgetsEverything() {
        FakeHostStream s = establishedFromHost();
        FakeHostStream t = hostConnectsTracked();
        muxer.reset();
        assertTrue(s.closed && t.closed);
        assertEquals(0, muxer.connectionCount());
        assertTrue(guest.interest.isEmpty());
        assertNull(guest.receive(muxer), "nothing owed to a guest that reset");
    }

    @Test
    void manyConnectionsShareTheRxQueueRoundRobin() {
        guest.rxBufferSize = VsockHeader.SIZE + 10;
        FakeHostStream a = establishedFromHost();
        FakeHostStream b = establishedFromHost();
        a.send(new byte[100]);
        b.send(new byte[100]);
        ready(a, LibC.EPOLLIN);
        ready(b, LibC.EPOLLIN);
        List<FakeGuest.Delivered> got = guest.drain(muxer);
        long firstFour = got.stream().limit(4).map(d -> d.header().srcPort()).distinct().count();
        assertEquals(2, firstFour, "interleaved, not one stream first");
    }
}
