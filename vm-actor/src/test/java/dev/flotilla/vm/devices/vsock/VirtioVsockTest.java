package dev.flotilla.vm.devices.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.vm.config.VsockConfig;
import dev.flotilla.vm.devices.FakeVirtioDriver;
import dev.flotilla.vm.virtio.VirtioFeatures;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The device glue (queues, worker epoll, real Unix sockets) against a fake driver, without KVM. */
class VirtioVsockTest {

    private static final long CID = 77;
    @TempDir
    Path dir;
    private final FakeVirtioDriver driver = new FakeVirtioDriver(3);
    private VirtioVsock vsock;

    @BeforeEach
    void open() throws Exception {
        vsock = VirtioVsock.open("test-vsock", new VsockConfig(CID, dir.resolve("v.sock")), VsockLimits.DEFAULT);
        vsock.activate(driver.activatedQueues(VirtioFeatures.VERSION_1), driver.mem, driver);
    }

    @AfterEach
    void close() {
        vsock.close();
    }

    private void guestSends(int op, long srcPort, long dstPort, byte[] payload) {
        VsockHeader h = new VsockHeader(CID, VsockHeader.HOST_CID, srcPort, dstPort, payload.length,
                VsockHeader.TYPE_STREAM, op, 0, 65536, 0);
        byte[] pkt = new byte[VsockHeader.SIZE + payload.length];
        h.encode(pkt, 0);
        System.arraycopy(payload, 0, pkt, VsockHeader.SIZE, payload.length);
        driver.offer(VirtioVsock.TX, pkt, 0);
        vsock.queueNotified(VirtioVsock.TX);
    }

    private void postRxBuffers(int n) {
        for (int i = 0; i < n; i++) driver.offer(VirtioVsock.RX, new byte[0], VsockHeader.SIZE + 4096);
        vsock.queueNotified(VirtioVsock.RX);
    }

    private List<VsockHeader> receive(int atLeast) throws InterruptedException {
        List<VsockHeader> got = new ArrayList<>();
        long end = System.nanoTime() + 5_000_000_000L;
        while (got.size() < atLeast && System.nanoTime() < end) {
            for (FakeVirtioDriver.Used u : driver.awaitUsed(VirtioVsock.RX, 100)) {
                got.add(VsockHeader.decode(u.written(), 0));
            }
        }
        return got;
    }

    @Test
    void configSpaceIsTheGuestCid() {
        byte[] b = new byte[8];
        vsock.readConfig(0, b);
        assertEquals(CID, ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
        byte[] hi = new byte[4];
        vsock.readConfig(4, hi);
        assertEquals(0, ByteBuffer.wrap(hi).getInt());
    }

    @Test
    void requestToAPortNobodyListensOnIsAnsweredWithRst() throws Exception {
        postRxBuffers(4);
        guestSends(VsockHeader.OP_REQUEST, 1000, 6000, new byte[0]);
        List<VsockHeader> got = receive(1);
        assertEquals(1, got.size());
        assertEquals(VsockHeader.OP_RST, got.get(0).op());
        assertEquals(1000, got.get(0).dstPort());
        assertEquals(1, driver.awaitUsed(VirtioVsock.TX, 1000).size(), "the tx chain is returned");
        assertEquals(1, vsock.metrics().refusedNoListener());
    }

    @Test
    void aChainShorterThanItsHeaderSaysIsDroppedAndCounted() throws Exception {
        VsockHeader h = new VsockHeader(CID, 2, 1, 2, 500, 1, VsockHeader.OP_RW, 0, 0, 0);
        driver.offer(VirtioVsock.TX, h.encode(), 0);   // claims 500 payload bytes, carries none
        vsock.queueNotified(VirtioVsock.TX);
        assertEquals(1, driver.awaitUsed(VirtioVsock.TX, 2000).size());
        assertEquals(1, vsock.metrics().malformedPackets());
        assertEquals(null, driver.needsReset, "a bad packet fails only itself");
    }

    @Test
    void hostDataWaitsForRxBuffersAndFlowsOnceTheGuestPostsThem() throws Exception {
        try (SocketChannel host = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("v.sock")))) {
            host.write(ByteBuffer.wrap("CONNECT 5000\n".getBytes(StandardCharsets.US_ASCII)));
            postRxBuffers(1);
            List<VsockHeader> req = receive(1);
            assertEquals(VsockHeader.OP_REQUEST, req.get(0).op());
            long hostPort = req.get(0).srcPort();
            guestSends(VsockHeader.OP_RESPONSE, 5000, hostPort, new byte[0]);
            ByteBuffer line = ByteBuffer.allocate(64);
            while (!new String(line.array(), 0, line.position(), StandardCharsets.US_ASCII).endsWith("\n")) host.read(line);
            assertEquals("OK " + hostPort + "\n", new String(line.array(), 0, line.position(), StandardCharsets.US_ASCII));

            host.write(ByteBuffer.wrap(new byte[10_000]));
            // No rx buffer, so nothing can be delivered yet; what matters is that nothing is lost: every
            // byte arrives once the guest posts buffers (counted below), whenever the device saw the data.
            assertTrue(driver.takeUsed(VirtioVsock.RX).isEmpty(), "no rx buffer: nothing delivered");
            postRxBuffers(3);
            long bytes = 0;
            for (VsockHeader h : receive(3)) {
                assertEquals(VsockHeader.OP_RW, h.op());
                bytes += h.len();
            }
            assertEquals(10_000, bytes);
            assertEquals(10_000, vsock.metrics().bytesToGuest());

            guestSends(VsockHeader.OP_RW, 5000, hostPort, "from the guest".getBytes(StandardCharsets.US_ASCII));
            ByteBuffer in = ByteBuffer.allocate(14);
            while (in.hasRemaining()) host.read(in);
            assertEquals("from the guest", new String(in.array(), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void streamsToTheGuestWithinItsCreditAndIntact() throws Exception {
        int total = 8 << 20;
        long guestBuf = 64 * 1024;
        byte[] sent = new byte[total];
        new java.util.Random(5).nextBytes(sent);
        try (SocketChannel host = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("v.sock")))) {
            host.write(ByteBuffer.wrap("CONNECT 5000\n".getBytes(StandardCharsets.US_ASCII)));
            postRxBuffers(1);
            long hostPort = receive(1).get(0).srcPort();
            VsockHeader resp = new VsockHeader(CID, 2, 5000, hostPort, 0, 1, VsockHeader.OP_RESPONSE, 0, guestBuf, 0);
            driver.offer(VirtioVsock.TX, resp.encode(), 0);
            vsock.queueNotified(VirtioVsock.TX);
            host.read(ByteBuffer.allocate(32));   // OK <port>

            long t0 = System.nanoTime();
            java.util.concurrent.CompletableFuture<Void> writer = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    ByteBuffer src = ByteBuffer.wrap(sent);
                    while (src.hasRemaining()) host.write(src);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream(total);
            long fwdCnt = 0;
            long told = 0;
            long end = System.nanoTime() + 60_000_000_000L;
            while (got.size() < total && System.nanoTime() < end) {
                while (driver.canOffer(VirtioVsock.RX)) driver.offer(VirtioVsock.RX, new byte[0], VsockHeader.SIZE + 4096);
                vsock.queueNotified(VirtioVsock.RX);
                for (FakeVirtioDriver.Used u : driver.awaitUsed(VirtioVsock.RX, 50)) {
                    VsockHeader h = VsockHeader.decode(u.written(), 0);
                    if (h.op() != VsockHeader.OP_RW) continue;
                    got.write(u.written(), VsockHeader.SIZE, (int) h.len());
                    assertTrue(got.size() - told <= guestBuf, "the device sent beyond the guest's credit");
                    fwdCnt += h.len();   // this guest consumes at once
                }
                while (driver.takeUsed(VirtioVsock.TX).size() > 0) { }
                if (fwdCnt - told >= guestBuf / 2 && driver.canOffer(VirtioVsock.TX)) {
                    VsockHeader upd = new VsockHeader(CID, 2, 5000, hostPort, 0, 1, VsockHeader.OP_CREDIT_UPDATE, 0,
                            guestBuf, fwdCnt & 0xFFFF_FFFFL);
                    driver.offer(VirtioVsock.TX, upd.encode(), 0);
                    vsock.queueNotified(VirtioVsock.TX);
                    told = fwdCnt;
                }
            }
            writer.get(10, java.util.concurrent.TimeUnit.SECONDS);
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("vsock device host->guest: %d MiB in %.2f s = %.1f MiB/s (fake guest, 4 KiB rx buffers, 64 KiB credit)%n",
                    total >> 20, secs, total / 1048576.0 / secs);
            org.junit.jupiter.api.Assertions.assertArrayEquals(sent, got.toByteArray());
        }
    }
}
