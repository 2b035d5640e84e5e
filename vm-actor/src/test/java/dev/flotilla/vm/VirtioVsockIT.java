package dev.flotilla.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorRef;
import dev.flotilla.kvm.x86.boot.BootProtocol;
import dev.flotilla.vm.config.BootSource;
import dev.flotilla.vm.config.CpuTemplate;
import dev.flotilla.vm.config.HugePages;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.VmDevices;
import dev.flotilla.vm.config.VmSpec;
import dev.flotilla.vm.config.VsockConfig;
import dev.flotilla.vm.console.ConsoleSink;
import dev.flotilla.vm.devices.vsock.VirtioVsock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * virtio-vsock on the real /dev/bed.kvm() with the probe guest's {@code vsock} routine: 1 MiB echoed in both
 * directions — a host program through {@code uds_path} ({@code CONNECT 5000}) to the guest's echo listener,
 * and the guest's own connection to host port 6000, bridged to {@code <uds_path>_6000} where this test echoes.
 */
class VirtioVsockIT {

    private static final int MIB = 1 << 20;
    @RegisterExtension
    static final KvmTestBed bed = new KvmTestBed();

    record Booted(ActorRef<MicroVm.Command> vm, ConsoleSink console, VmResources resources) {
        /** The device's counters and the guest's console, for failure messages. */
        String diagnostics() {
            String metrics = resources.devices().stream().filter(d -> d.kind().equals("vsock"))
                    .map(d -> ((VirtioVsock) d.device()).metrics().toString()).findFirst().orElse("no vsock device");
            return metrics + "\nconsole:\n" + console.snapshot();
        }
    }

    static Booted start(String id, long memMib, String cmdline, VmDevices devices) {
        VmSpec spec = new VmSpec(id, new MachineConfig(1, memMib, false, CpuTemplate.NONE, false, HugePages.NONE),
                new BootSource(ProbeGuest.elf(), Optional.empty(), cmdline), devices);
        KvmTestBed.Started s = bed.start(spec, BootProtocol.AUTO);
        return new Booted(s.vm(), s.console(), s.resources().get());
    }

    static VmInfo awaitEnd(ActorRef<MicroVm.Command> vm, Duration timeout) {
        return bed.awaitEnd(vm, timeout);
    }

    /** Echoes one connection on {@code <uds>_6000} until the guest closes it; counts the bytes. */
    private static CompletableFuture<Long> echoServer(ServerSocketChannel server) {
        return CompletableFuture.supplyAsync(() -> {
            try (SocketChannel c = server.accept()) {
                ByteBuffer buf = ByteBuffer.allocate(32 * 1024);
                long total = 0;
                while (c.read(buf) >= 0) {
                    buf.flip();
                    total += buf.remaining();
                    while (buf.hasRemaining()) c.write(buf);
                    buf.clear();
                }
                return total;
            } catch (IOException e) {
                throw new RuntimeException("echo server on the guest's host port: " + e, e);
            }
        });
    }

    private static String readLine(SocketChannel c) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (c.read(one) < 0) return line.toString(StandardCharsets.US_ASCII) + "<EOF>";
            if (one.get(0) == '\n') return line.toString(StandardCharsets.US_ASCII);
            line.write(one.get(0));
        }
    }

    /**
     * CONNECT 5000 through uds_path. The probe refuses a connection (RST → we see EOF) when all its transmit
     * slots are busy with its own round trip, as a loaded server may; like any client we then try again.
     */
    private static SocketChannel connectToGuest(Path uds, Booted b) throws IOException, InterruptedException {
        List<String> refusals = new java.util.ArrayList<>();
        for (int attempt = 0; attempt < 5; attempt++) {
            SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(uds));
            c.write(ByteBuffer.wrap("CONNECT 5000\n".getBytes(StandardCharsets.US_ASCII)));
            String ok = readLine(c);
            if (ok.matches("OK \\d+")) {
                if (!refusals.isEmpty()) System.out.println("vsock IT: connected after refusals " + refusals);
                return c;
            }
            c.close();
            refusals.add(ok + " " + b.diagnostics().lines().findFirst().orElse(""));
            Thread.sleep(200);
        }
        throw new AssertionError("the guest never accepted CONNECT 5000: " + refusals + "\n" + b.diagnostics());
    }

    @Test
    void echoesOneMebibyteInBothDirections() throws Exception {
        Path dir = Files.createTempDirectory("flotilla-vsock");
        Path uds = dir.resolve("v.sock");
        Path hostPort = Path.of(uds + "_6000");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(hostPort));
            CompletableFuture<Long> echoed = echoServer(server);
            VmDevices devices = new VmDevices(List.of(), List.of(), Optional.of(new VsockConfig(42, uds)),
                    Optional.empty(), Optional.empty());
            long t0 = System.nanoTime();
            Booted b = start("vsock-it", 128, "console=ttyS0 probe.run=vsock probe.vsock.accept=1 probe.vsock.wait_ms=120000",
                    devices);
            b.console().awaitLine(l -> l.contains("probe: vsock: listening")).get(30, TimeUnit.SECONDS);

            byte[] sent = new byte[MIB];
            new Random(19).nextBytes(sent);
            ByteArrayOutputStream back = new ByteArrayOutputStream();
            AtomicLong hostMs = new AtomicLong();
            try (SocketChannel c = connectToGuest(uds, b)) {
                long h0 = System.nanoTime();
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                    try {
                        ByteBuffer src = ByteBuffer.wrap(sent);
                        while (src.hasRemaining()) c.write(src);
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                while (back.size() < MIB) {
                    buf.clear();
                    int n = c.read(buf);
                    if (n < 0) break;
                    back.write(buf.array(), 0, n);
                }
                writer.get(10, TimeUnit.SECONDS);
                hostMs.set((System.nanoTime() - h0) / 1_000_000);
                c.shutdownOutput();   // the guest sees SHUTDOWN(SEND), answers RST, and we see the end
                buf.clear();
                assertEquals(-1, c.read(buf), "the stream ends after the guest's RST");
            }
            assertArrayEquals(sent, back.toByteArray(), () -> "host → guest → host: 1 MiB intact\n" + b.diagnostics());
            assertEquals((long) MIB, echoed.get(120, TimeUnit.SECONDS), "guest → host → guest: 1 MiB through <uds>_6000");

            String result = b.console().awaitLine(l -> l.startsWith("probe: run vsock ")).get(120, TimeUnit.SECONDS);
            awaitEnd(b.vm(), Duration.ofSeconds(30));
            long totalMs = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("vsock IT: host echo of 1 MiB took " + hostMs.get() + " ms; whole run " + totalMs
                    + " ms; guest: " + result + "\n" + b.diagnostics());
            assertEquals("probe: run vsock ok guest_cid=42 echoed=" + MIB + " roundtrip=" + MIB, result.strip(),
                    () -> b.console().snapshot());
            assertTrue(!Files.exists(uds), "the device removes its socket when the VM ends");
        } finally {
            Files.deleteIfExists(hostPort);
            Files.deleteIfExists(uds);
            Files.deleteIfExists(dir);
        }
    }
}
