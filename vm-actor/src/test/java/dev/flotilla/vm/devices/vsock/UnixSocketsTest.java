package dev.flotilla.vm.devices.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The raw-fd Unix sockets against java.nio's own UNIX-domain channels (no KVM needed). */
class UnixSocketsTest {

    @TempDir
    Path dir;
    private final UnixSockets io = new UnixSockets();

    @AfterEach
    void close() {
        io.close();
    }

    @Test
    void listenerAcceptsAndStreamsBothWaysWithoutBlocking() throws Exception {
        Path p = dir.resolve("v.sock");
        try (UnixListener l = io.listen(p);
             SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(p))) {
            HostStream accepted = null;
            for (int i = 0; i < 100 && accepted == null; i++) accepted = l.accept();
            assertNotNull(accepted);
            HostStream s = accepted;
            assertNull(l.accept(), "non-blocking: nothing else pending");
            byte[] buf = new byte[64];
            assertEquals(0, s.read(buf, 0, 64), "nothing to read yet: 0, not a block");

            client.write(ByteBuffer.wrap("CONNECT 5\nrest".getBytes(StandardCharsets.US_ASCII)));
            int n = s.peek(buf, 0, 64);
            assertEquals(14, n);
            assertEquals(14, s.read(buf, 0, 64), "peek left the bytes");

            assertEquals(3, s.write("abc".getBytes(), 0, 3));
            ByteBuffer in = ByteBuffer.allocate(3);
            while (in.hasRemaining()) client.read(in);
            assertEquals("abc", new String(in.array()));

            s.shutdownOutput();
            assertEquals(-1, client.read(ByteBuffer.allocate(1)), "half-close reaches the peer");
            client.close();
            assertEquals(HostStream.EOF, s.read(buf, 0, 64));
            assertThrows(IOException.class, () -> {
                for (int i = 0; i < 10; i++) s.write(new byte[1], 0, 1);   // EPIPE, not SIGPIPE
            });
            s.close();
        }
        assertFalse(Files.exists(p), "closing the listener removes its socket file");
    }

    @Test
    void writesStopAtTheSocketBufferInsteadOfBlocking() throws Exception {
        Path p = dir.resolve("w.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(p));
            try (UnixStream s = io.connect(p); SocketChannel peer = server.accept()) {
                long total = 0;
                int n;
                byte[] chunk = new byte[65536];
                while ((n = s.write(chunk, 0, chunk.length)) > 0) total += n;
                assertEquals(0, n);
                assertTrue(total > 0 && total < 64L << 20, "filled the kernel buffer: " + total);
            }
        }
    }

    @Test
    void refusesAnExistingPathAndAMissingListener() throws Exception {
        Path p = dir.resolve("taken");
        Files.createFile(p);
        IOException e = assertThrows(IOException.class, () -> io.listen(p));
        assertTrue(e.getMessage().contains("exists and is a regular file") && e.getMessage().contains("left untouched"), e.getMessage());
        assertTrue(Files.isRegularFile(p), "the file is left where it was");
        IOException c = assertThrows(IOException.class, () -> io.connect(dir.resolve("nobody_6000")));
        assertTrue(c.getMessage().contains("connect("), c.getMessage());
    }
}
