package dev.flotilla.vm.devices.block;

import static dev.flotilla.vm.devices.block.BlockRequest.S_IOERR;
import static dev.flotilla.vm.devices.block.BlockRequest.S_OK;
import static dev.flotilla.vm.devices.block.BlockRequest.T_IN;
import static dev.flotilla.vm.devices.block.BlockRequest.T_OUT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.kvm.memory.ChunkedGuestMemory;
import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.MmapGuestMemory;
import dev.flotilla.kvm.sys.Errno;
import dev.flotilla.kvm.sys.LibC;
import dev.flotilla.kvm.sys.Native;
import dev.flotilla.kvm.sys.VectoredIo;
import dev.flotilla.vm.devices.block.BlkDriver.Buf;
import dev.flotilla.vm.virtio.DeviceStatus;
import dev.flotilla.vm.virtio.GuestSegment;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * virtio-blk over mmap'd guest memory, as in a real VM: requests go through one preadv/pwritev on
 * the backing file's raw fd. A hand-played driver and real temp files; the device's own worker serves.
 */
class VirtioBlockVectoredTest {

    @TempDir
    Path dir;
    private VirtioBlock device;
    private MmapGuestMemory memory;

    @AfterEach
    void close() {
        if (device != null) device.close();
        if (memory != null) memory.close();
    }

    private Path file(byte[] content) throws IOException {
        Path p = dir.resolve("disk.img");
        Files.write(p, content);
        return p;
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private BlkDriver start(BackingFile file, long memBytes) {
        device = new VirtioBlock("virtio-test-blk", "drive-1", file, Optional.empty());
        memory = MmapGuestMemory.ofSize(memBytes);
        return new BlkDriver(device, memory).start(VirtioBlockTest.ALL);
    }

    /** A request: header, the data buffers, status. */
    private static BlkDriver.Submitted request(BlkDriver d, int type, long sector, List<Buf> data) {
        List<Buf> bufs = new ArrayList<>();
        bufs.add(new Buf(d.header(type, sector), 16, false));
        bufs.addAll(data);
        long st = d.status();
        bufs.add(new Buf(st, 1, true));
        return new BlkDriver.Submitted(d.submitIndirect(bufs), st);
    }

    /** Data buffers of the given sizes, each at its own place in guest memory with a gap after it. */
    private static List<Buf> buffers(BlkDriver d, boolean writable, int... sizes) {
        List<Buf> out = new ArrayList<>();
        for (int n : sizes) {
            long a = d.alloc(n + 64);
            out.add(new Buf(a, n, writable));
        }
        return out;
    }

    private static int[] repeat(int size, int times) {
        int[] s = new int[times];
        Arrays.fill(s, size);
        return s;
    }

    /** A file whose channel fails every positional read and write: only the raw fd can serve. */
    private static BackingFile rawFdOnly(Path f, boolean readOnly) throws IOException {
        BackingFile opened = BackingFile.open(f, readOnly);
        opened.close();   // only to check open() itself works on this file
        int fd = Native.libc().open(f.toString(), (readOnly ? LibC.O_RDONLY : LibC.O_RDWR) | LibC.O_CLOEXEC);
        assertTrue(fd >= 0, Errno.describe(Native.errno()));
        FaultyChannel ch = new FaultyChannel(FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE));
        ch.failReads = new IOException("the channel was used: the request did not take the raw-fd path");
        ch.failWrites = ch.failReads;
        return new BackingFile(f, ch, fd, readOnly);
    }

    @Test
    void aMultiSegmentReadFillsEverySegmentWithTheFileBytesThroughTheRawFd() throws IOException {
        byte[] content = random(4 << 20, 1);
        BlkDriver d = start(rawFdOnly(file(content), true), 8 << 20);
        List<Buf> data = buffers(d, true, repeat(8192, 128));
        BlkDriver.Submitted s = request(d, T_IN, 16, data);
        d.awaitOne();
        assertEquals(S_OK, d.statusOf(s));
        long at = 16 * 512;
        for (Buf b : data) {
            assertArrayEquals(Arrays.copyOfRange(content, (int) at, (int) (at + b.len())), d.bytes(b.addr(), (int) b.len()),
                    "segment at file offset " + at);
            at += b.len();
        }
        assertEquals(1, device.metrics().reads());
        assertEquals(0, device.metrics().ioErrorsTotal());
    }

    @Test
    void segmentsOfMixedSizesAreReadInChainOrder() throws IOException {
        byte[] content = random(1 << 20, 2);
        BlkDriver d = start(rawFdOnly(file(content), true), 4 << 20);
        List<Buf> data = buffers(d, true, 512, 4096, 1536, 65536, 512, 3072);
        BlkDriver.Submitted s = request(d, T_IN, 3, data);
        d.awaitOne();
        assertEquals(S_OK, d.statusOf(s));
        int at = 3 * 512;
        for (Buf b : data) {
            assertArrayEquals(Arrays.copyOfRange(content, at, at + (int) b.len()), d.bytes(b.addr(), (int) b.len()));
            at += (int) b.len();
        }
    }

    @Test
    void aMultiSegmentWriteLandsInTheFileInChainOrder() throws IOException {
        byte[] content = random(1 << 20, 3);
        Path f = file(content);
        BlkDriver d = start(rawFdOnly(f, false), 4 << 20);
        List<Buf> data = buffers(d, false, repeat(8192, 64));
        byte[] written = random(64 * 8192, 4);
        for (int i = 0; i < data.size(); i++) d.fill(data.get(i).addr(), Arrays.copyOfRange(written, i * 8192, (i + 1) * 8192));
        BlkDriver.Submitted s = request(d, T_OUT, 40, data);
        d.awaitOne();
        assertEquals(S_OK, d.statusOf(s));
        byte[] after = Files.readAllBytes(f);
        assertArrayEquals(written, Arrays.copyOfRange(after, 40 * 512, 40 * 512 + written.length));
        assertArrayEquals(Arrays.copyOfRange(content, 0, 40 * 512), Arrays.copyOfRange(after, 0, 40 * 512), "bytes before untouched");
        int end = 40 * 512 + written.length;
        assertArrayEquals(Arrays.copyOfRange(content, end, content.length), Arrays.copyOfRange(after, end, after.length), "bytes after untouched");
        assertEquals(1, device.metrics().writes());
    }

    @Test
    void aRequestAcrossTheOneGibChunkEdgeIsWrittenAndReadWhole() throws IOException {
        byte[] content = random(256 << 10, 5);
        Path f = file(content);
        // 1 GiB + 2 MiB of MAP_NORESERVE memory: only the pages the test touches are ever backed
        BlkDriver d = start(BackingFile.open(f, false), ChunkedGuestMemory.MAX_CHUNK + (2 << 20));
        long edge = ChunkedGuestMemory.MAX_CHUNK;
        Buf before = new Buf(d.alloc(4096), 4096, false);
        Buf across = new Buf(edge - 6144, 16384, false);   // 6 KiB below the edge, 10 KiB above
        byte[] written = random(4096 + 16384, 6);
        d.fill(before.addr(), Arrays.copyOfRange(written, 0, 4096));
        d.fill(across.addr(), Arrays.copyOfRange(written, 4096, written.length));
        BlkDriver.Submitted w = request(d, T_OUT, 8, List.of(before, across));
        d.awaitOne();
        assertEquals(S_OK, d.statusOf(w));
        assertArrayEquals(written, Arrays.copyOfRange(Files.readAllBytes(f), 8 * 512, 8 * 512 + written.length));

        Buf back = new Buf(edge - 512, 20480, true);   // read it back into a buffer straddling the edge too
        memory.zero(GuestAddress.of(back.addr()), back.len());
        BlkDriver.Submitted r = request(d, T_IN, 8, List.of(back));
        d.awaitOne();
        assertEquals(S_OK, d.statusOf(r));
        assertArrayEquals(written, d.bytes(back.addr(), (int) back.len()));
    }

    @Test
    void theIovecsOfASegmentAcrossTheChunkEdgeAreCutThereAndPointAtItsHostBytes() {
        memory = MmapGuestMemory.ofSize(ChunkedGuestMemory.MAX_CHUNK + (1 << 20));
        long edge = ChunkedGuestMemory.MAX_CHUNK;
        try (VectoredIo iov = new VectoredIo(1)) {
            GuestBuffers.iovecs(memory, List.of(new GuestSegment(0x1000, 16), new GuestSegment(edge - 100, 300)), 8, 300, iov);
            assertEquals(3, iov.count(), "8 bytes of the first segment, then the second cut at the edge");
            assertEquals(300, iov.totalBytes());
            assertEquals(memory.hostAddress(GuestAddress.of(0x1008)), iov.base(0));
            assertEquals(8, iov.length(0));
            assertEquals(memory.hostAddress(GuestAddress.of(edge - 100)), iov.base(1));
            assertEquals(100, iov.length(1));
            assertEquals(memory.hostAddress(GuestAddress.of(edge)), iov.base(2));
            assertEquals(192, iov.length(2));
        }
    }

    @Test
    void aReadPastTheEndOfAFileTruncatedBehindTheDevicesBackIsIoerrCountedAsShortRead() throws IOException {
        Path f = file(random(64 * 512, 7));
        BlkDriver d = start(BackingFile.open(f, false), 4 << 20);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(20 * 512);
        }
        List<BackingFileException> reported = new CopyOnWriteArrayList<>();
        device.onIoError(reported::add);
        // sectors 16..24 over two segments: the file now ends inside the first one
        BlkDriver.Submitted s = request(d, T_IN, 16, buffers(d, true, 4096, 4096));
        d.awaitOne();
        assertEquals(S_IOERR, d.statusOf(s));
        assertEquals(1, device.metrics().ioErrors(IoErrorKind.SHORT_READ));
        assertTrue(reported.get(0).getMessage().contains("at " + 20 * 512 + ": end of file"), reported.get(0).getMessage());

        BlkDriver.Submitted ok = request(d, T_IN, 0, buffers(d, true, 4096, 4096));
        d.awaitOne();
        assertEquals(S_OK, d.statusOf(ok), "requests inside what is left of the file still succeed");
    }

    @Test
    void aHostErrorOnTheRawFdFailsOnlyItsRequestAndIsReported() throws IOException {
        byte[] content = random(64 * 512, 8);
        Path f = file(content);
        int readOnlyFd = Native.libc().open(f.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
        assertTrue(readOnlyFd >= 0);
        // a writable drive whose raw fd cannot write: pwritev fails with EBADF, as a failing disk would with EIO
        BackingFile file = new BackingFile(f, FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE), readOnlyFd, false);
        BlkDriver d = start(file, 4 << 20);
        List<BackingFileException> reported = new CopyOnWriteArrayList<>();
        device.onIoError(reported::add);
        BlkDriver.Submitted w = request(d, T_OUT, 4, buffers(d, false, 4096, 4096));
        d.awaitOne();
        assertEquals(S_IOERR, d.statusOf(w));
        assertEquals(1, device.metrics().ioErrors(IoErrorKind.IO_ERROR));
        assertEquals(0, device.metrics().writes());
        assertTrue(reported.get(0).getMessage().contains("pwritev at file offset 2048 failed: EBADF"), reported.get(0).getMessage());
        assertArrayEquals(content, Files.readAllBytes(f));

        List<Buf> data = buffers(d, true, 512, 1024);
        BlkDriver.Submitted r = request(d, T_IN, 2, data);
        d.awaitOne();
        assertEquals(S_OK, d.statusOf(r), "the device keeps serving");
        assertArrayEquals(Arrays.copyOfRange(content, 1024, 1536), d.bytes(data.get(0).addr(), 512));
        assertEquals(0, d.transport.status() & DeviceStatus.NEEDS_RESET);
    }

    @Test
    void aReadOnlyDriveRefusesAMultiSegmentWriteWithoutTouchingTheFile() throws IOException {
        byte[] content = random(64 * 512, 9);
        Path f = file(content);
        BlkDriver d = start(BackingFile.open(f, true), 4 << 20);
        BlkDriver.Submitted w = request(d, T_OUT, 0, buffers(d, false, 4096, 4096));
        d.awaitOne();
        assertEquals(S_IOERR, d.statusOf(w));
        assertEquals(1, device.metrics().readOnlyRefusals());
        assertArrayEquals(content, Files.readAllBytes(f));
    }

    @Test
    void errnoClassification() {
        assertEquals(IoErrorKind.NO_SPACE, IoErrorKind.ofErrno(Errno.ENOSPC));
        assertEquals(IoErrorKind.NO_SPACE, IoErrorKind.ofErrno(Errno.EDQUOT));
        assertEquals(IoErrorKind.IO_ERROR, IoErrorKind.ofErrno(Errno.EIO));
        assertEquals(IoErrorKind.IO_ERROR, IoErrorKind.ofErrno(Errno.EBADF));
    }

    @Test
    void theBackingFileHoldsItsFileOpenCloseOnExecAndClosingReleasesEveryHandle() throws IOException {
        Path f = file(new byte[8192]).toRealPath();
        BackingFile file = BackingFile.open(f, false);
        List<Path> open = fdsOf(f);
        assertEquals(1, open.size(), "one fd serves vectored I/O, ByteBuffer I/O and fsync: " + open);
        assertTrue(open.stream().allMatch(VirtioBlockVectoredTest::closeOnExec), "the fd is O_CLOEXEC");
        file.close();
        file.close();
        assertEquals(List.of(), fdsOf(f));
    }

    private static List<Path> fdsOf(Path file) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(p -> {
                try {
                    return Files.readSymbolicLink(p).equals(file);
                } catch (IOException e) {
                    return false;   // an fd closed while listing
                }
            }).toList();
        }
    }

    private static boolean closeOnExec(Path fd) {
        try {
            String flags = Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd.getFileName())).stream()
                    .filter(l -> l.startsWith("flags:")).findFirst().orElseThrow().substring(6).trim();
            return (Long.parseLong(flags, 8) & 02000000) != 0;
        } catch (IOException e) {
            return false;
        }
    }
}
