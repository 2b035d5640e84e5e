package dev.flotilla.kvm.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.kvm.Epoll;
import dev.flotilla.kvm.sys.LibC;
import dev.flotilla.kvm.sys.NativeException;
import dev.flotilla.kvm.testing.TestNetns;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real TAP whose host end sits in a namespace the test creates, answered by this test's own ARP and
 * ICMP code: the host pings an address "behind" the TAP and gets its replies through the fd.
 */
class TapIT {

    private static final byte[] GUEST_MAC = {0x06, 0x00, (byte) 0xa9, (byte) 0xfe, 0x00, 0x02};

    @BeforeAll
    static void needTun() {
        TestNetns.assumeTun();
    }

    @Test
    void createsTheTapByNameAndReadsNothingWhileItIsQuiet() {
        String name = TestNetns.randomName("flt");
        try (Tap tap = Tap.open(name)) {
            assertEquals(name, tap.name());
            assertTrue(TestNetns.run("ip", "link", "show", name).contains(name), "the kernel created the TAP");
            assertEquals(-1, tap.read(new byte[Tap.MAX_FRAME], 0, Tap.MAX_FRAME), "non-blocking: no frame waits");
            NativeException down = assertThrows(NativeException.class, () -> tap.write(new byte[60], 0, 60),
                    "a TAP whose host end is down refuses frames");
            assertTrue(down.getMessage().contains("write(TAP " + name + ")"), down::getMessage);
        }
        assertFalse(TestNetns.run("ip", "link", "show").contains(name + ":"), "closing the fd removed the TAP");
    }

    @Test
    void aSecondOpenOfATapInUseIsRefusedWithAHint() {
        String name = TestNetns.randomName("flt");
        try (Tap tap = Tap.open(name)) {
            NativeException e = assertThrows(NativeException.class, () -> Tap.open(name));
            assertTrue(e.getMessage().startsWith("TUNSETIFF(" + name + ") failed: EBUSY"), e::getMessage);
            assertTrue(e.getMessage().contains("already attached"), e::getMessage);
        }
    }

    @Test
    void framesCrossTheTapBothWaysWhileItsHostEndIsInAnotherNamespace() throws Exception {
        String name = TestNetns.randomName("flt");
        try (Tap tap = Tap.open(name); TestNetns net = TestNetns.create(); Epoll ep = Epoll.create(4)) {
            net.adopt(name);
            assertFalse(TestNetns.run("ip", "link", "show").contains(name + ":"), "the TAP left the host namespace");
            ep.add(tap.fd(), LibC.EPOLLIN, 1);
            byte[] myIp = Frames.ip(net.guestIp());
            Process ping = net.exec("busybox", "ping", "-c", "3", "-W", "2", net.guestIp());
            byte[] buf = new byte[Tap.MAX_FRAME];
            int arps = 0;
            int echoes = 0;
            long[] tokens = new long[4];
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (ping.isAlive() && System.nanoTime() < end) {
                if (ep.await(100, tokens, null) == 0) continue;
                int n;
                while ((n = tap.read(buf, 0, buf.length)) >= 0) {
                    byte[] reply = Frames.arpReply(buf, n, GUEST_MAC, myIp);
                    if (reply != null) {
                        arps++;
                    } else if ((reply = Frames.echoReply(buf, n, GUEST_MAC, myIp)) != null) {
                        echoes++;
                    }
                    if (reply != null) assertTrue(tap.write(reply, 0, reply.length));
                }
            }
            assertTrue(ping.waitFor(5, TimeUnit.SECONDS), "ping finished");
            String out = new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, ping.exitValue(), () -> "ping through the TAP failed:\n" + out);
            assertTrue(out.contains("3 packets transmitted, 3 packets received"), out);
            assertTrue(arps >= 1, "the host asked for the guest's MAC through the TAP");
            assertEquals(3, echoes, "three echo requests came out of the TAP");
            String stats = TestNetns.run("ip", "-n", net.name, "-s", "link", "show", name);
            assertTrue(stats.contains(name), stats);
        }
    }

    @Test
    void onceTheInterfaceIsDeletedTheFdReportsAnErrorEvenWithoutEventsAskedAndReadsFail() {
        String name = TestNetns.randomName("flt");
        try (Tap tap = Tap.open(name); Epoll ep = Epoll.create(4)) {
            long[] tokens = new long[4];
            int[] events = new int[4];
            TestNetns.run("ip", "link", "del", name);
            // Why a device worker must unregister an fd it does not want to hear from, not just mask it:
            // epoll reports EPOLLERR whatever the mask, for as long as the fd is registered.
            ep.add(tap.fd(), 0, 7);
            for (int i = 0; i < 3; i++) {
                assertEquals(1, ep.await(1000, tokens, events));
                assertEquals(LibC.EPOLLERR, events[0] & LibC.EPOLLERR);
            }
            NativeException e = assertThrows(NativeException.class, () -> tap.read(new byte[2048], 0, 2048));
            assertTrue(e.getMessage().startsWith("read(TAP " + name + ") failed: EBADFD"), e::getMessage);
            ep.remove(tap.fd());
            assertEquals(0, ep.await(10, tokens, events));
        }
    }
}
