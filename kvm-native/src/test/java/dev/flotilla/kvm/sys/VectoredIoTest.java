package dev.flotilla.kvm.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** preadv/pwritev through a reusable iovec array, on real temp files and malloc'd buffers. */
class VectoredIoTest {

    @TempDir
    Path dir;

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private Path file(byte[] content) throws IOException {
        Path p = dir.resolve("f.img");
        Files.write(p, content);
        return p;
    }

    private static int open(Path p, int flags) {
        int fd = Native.libc().open(p.toString(), flags | LibC.O_CLOEXEC);
        assertTrue(fd >= 0, "open " + p + ": " + Errno.describe(Native.errno()));
        return fd;
    }

    private static byte[] bytes(NativeStruct mem, int off, int len) {
        byte[] b = new byte[len];
        mem.buffer().get(off, b);
        return b;
    }

    @Test
    void readFillsEachBufferInOrderFromTheOffset() throws IOException {
        byte[] content = random(64 << 10, 1);
        int fd = open(file(content), LibC.O_RDONLY);
        try (NativeStruct a = new NativeStruct(1000); NativeStruct b = new NativeStruct(5000); NativeStruct c = new NativeStruct(3000);
             VectoredIo iov = new VectoredIo(8)) {
            iov.add(a.address(), 1000);
            iov.add(b.address() + 100, 4900);
            iov.add(c.address(), 3000);
            assertEquals(3, iov.count());
            assertEquals(8900, iov.totalBytes());
            assertEquals(8900, iov.readAt(fd, 777));
            assertArrayEquals(Arrays.copyOfRange(content, 777, 1777), bytes(a, 0, 1000));
            assertArrayEquals(Arrays.copyOfRange(content, 1777, 6677), bytes(b, 100, 4900));
            assertArrayEquals(new byte[100], bytes(b, 0, 100), "bytes outside the iovecs are untouched");
            assertArrayEquals(Arrays.copyOfRange(content, 6677, 9677), bytes(c, 0, 3000));
        } finally {
            Native.closeQuietly(fd);
        }
    }

    @Test
    void moreEntriesThanIovMaxGrowTheArrayAndAreReadInSeveralCalls() throws IOException {
        int entries = 2 * LibC.IOV_MAX + 300;
        byte[] content = random(entries * 8 + 4096, 2);
        int fd = open(file(content), LibC.O_RDONLY);
        try (NativeStruct dst = new NativeStruct(entries * 8); VectoredIo iov = new VectoredIo(4)) {
            for (int i = 0; i < entries; i++) iov.add(dst.address() + 8L * i, 8);
            assertEquals(entries, iov.count());
            assertTrue(iov.capacity() >= entries);
            assertEquals(entries * 8L, iov.readAt(fd, 4096));
            assertArrayEquals(Arrays.copyOfRange(content, 4096, 4096 + entries * 8), bytes(dst, 0, entries * 8));
        } finally {
            Native.closeQuietly(fd);
        }
    }

    @Test
    void readStopsAtEndOfFileAndSaysHowMuchItGot() throws IOException {
        byte[] content = random(10_000, 3);
        int fd = open(file(content), LibC.O_RDONLY);
        try (NativeStruct dst = new NativeStruct(8192); VectoredIo iov = new VectoredIo(2)) {
            iov.add(dst.address(), 4096);
            iov.add(dst.address() + 4096, 4096);
            assertEquals(10_000 - 4096, iov.readAt(fd, 4096), "the file ends inside the second buffer");
            assertArrayEquals(Arrays.copyOfRange(content, 4096, 10_000), bytes(dst, 0, 10_000 - 4096));
            iov.clear();
            iov.add(dst.address(), 512);
            assertEquals(0, iov.readAt(fd, 20_000), "entirely past the end");
        } finally {
            Native.closeQuietly(fd);
        }
    }

    @Test
    void writePutsEachBufferInOrderAtTheOffset() throws IOException {
        Path p = file(new byte[16 << 10]);
        byte[] data = random(6000, 4);
        int fd = open(p, LibC.O_RDWR);
        try (NativeStruct src = new NativeStruct(6000); VectoredIo iov = new VectoredIo(1)) {
            src.buffer().put(0, data);
            iov.add(src.address() + 4000, 2000);   // deliberately out of memory order: file order is iovec order
            iov.add(src.address(), 4000);
            assertEquals(6000, iov.writeAt(fd, 1024));
        } finally {
            Native.closeQuietly(fd);
        }
        byte[] file = Files.readAllBytes(p);
        assertArrayEquals(Arrays.copyOfRange(data, 4000, 6000), Arrays.copyOfRange(file, 1024, 3024));
        assertArrayEquals(Arrays.copyOfRange(data, 0, 4000), Arrays.copyOfRange(file, 3024, 7024));
        assertArrayEquals(new byte[1024], Arrays.copyOfRange(file, 0, 1024));
    }

    @Test
    void aShortTransferResumesInsideThePartlyDoneEntry() {
        try (VectoredIo iov = new VectoredIo(4)) {
            iov.add(0x1000, 100);
            iov.add(0x2000, 200);
            iov.add(0x3000, 300);
            iov.advance(150);
            assertEquals(1, iov.firstPending());
            assertEquals(0x2000 + 50, iov.base(1));
            assertEquals(150, iov.length(1));
            iov.advance(150);
            assertEquals(2, iov.firstPending());
            assertEquals(0x3000, iov.base(2));
            assertEquals(300, iov.length(2));
            iov.clear();
            assertEquals(0, iov.firstPending());
            assertEquals(0, iov.count());
        }
    }

    @Test
    void emptyBuffersAreSkipped() {
        try (VectoredIo iov = new VectoredIo(1)) {
            iov.add(0x1000, 0);
            assertEquals(0, iov.count());
            assertEquals(0, iov.readAt(-1, 0), "nothing to do: no system call, so not even a bad fd matters");
        }
    }

    @Test
    void aFailingCallNamesItselfTheOffsetAndTheErrno() throws IOException {
        int fd = open(file(new byte[8192]), LibC.O_RDONLY);
        try (NativeStruct buf = new NativeStruct(512); VectoredIo iov = new VectoredIo(1)) {
            iov.add(buf.address(), 512);
            NativeException e = assertThrows(NativeException.class, () -> iov.writeAt(fd, 4096));
            assertEquals(Errno.EBADF, e.errno(), "a read-only fd refuses writes");
            assertTrue(e.getMessage().startsWith("pwritev at file offset 4096 failed: EBADF"), e.getMessage());
        } finally {
            Native.closeQuietly(fd);
        }
    }

    @Test
    void useAfterCloseIsRefusedAndCloseIsIdempotent() {
        VectoredIo iov = new VectoredIo(1);
        iov.close();
        iov.close();
        assertThrows(IllegalStateException.class, () -> iov.add(0x1000, 1));
        assertThrows(IllegalStateException.class, () -> iov.readAt(0, 0));
    }
}
