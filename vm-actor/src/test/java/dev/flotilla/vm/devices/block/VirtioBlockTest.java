package dev.flotilla.vm.devices.block;

import static dev.flotilla.vm.devices.block.BlockRequest.S_IOERR;
import static dev.flotilla.vm.devices.block.BlockRequest.S_OK;
import static dev.flotilla.vm.devices.block.BlockRequest.S_UNSUPP;
import static dev.flotilla.vm.devices.block.BlockRequest.T_FLUSH;
import static dev.flotilla.vm.devices.block.BlockRequest.T_GET_ID;
import static dev.flotilla.vm.devices.block.BlockRequest.T_IN;
import static dev.flotilla.vm.devices.block.BlockRequest.T_OUT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.vm.devices.block.BlkDriver.Buf;
import dev.flotilla.vm.devices.block.BlkDriver.Submitted;
import dev.flotilla.vm.virtio.MmioRegisters;
import dev.flotilla.vm.virtio.VirtioFeatures;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** virtio-blk against heap guest memory, a hand-played driver and real temp files; the device's own worker serves. */
class VirtioBlockTest {

    static final long ALL = VirtioBlock.F_FLUSH | VirtioBlock.F_SEG_MAX | VirtioBlock.F_BLK_SIZE
            | VirtioFeatures.RING_INDIRECT_DESC | VirtioFeatures.RING_EVENT_IDX;

    @TempDir
    Path dir;
    private VirtioBlock device;

    @AfterEach
    void close() {
        if (device != null) device.close();
    }

    private Path file(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private BlkDriver start(Path file, boolean readOnly, long features) throws IOException {
        device = new VirtioBlock("virtio-test-blk", "drive-1", BackingFile.open(file, readOnly), Optional.empty());
        return new BlkDriver(device, 4 << 20).start(features);
    }

    @Test
    void readsTheFileIntoGuestMemory() throws IOException {
        byte[] content = random(64 * 1024, 1);
        BlkDriver d = start(file("disk.img", content), false, ALL);
        long buf = d.alloc(4096);
        Submitted s = d.request(T_IN, 8, buf, 4096, true);
        assertEquals(4097, d.awaitOne(), "used length: data and status");
        assertEquals(S_OK, d.statusOf(s));
        assertArrayEquals(Arrays.copyOfRange(content, 8 * 512, 8 * 512 + 4096), d.bytes(buf, 4096));
        assertEquals(1, device.metrics().reads());
        assertEquals(4096, device.metrics().readBytes());
        assertTrue(d.irqPulses.get() >= 1, "used-buffer interrupt");
    }

    @Test
    void scatteredAndIndirectReadsFillEverySegmentInOrder() throws IOException {
        byte[] content = random(64 * 1024, 2);
        BlkDriver d = start(file("disk.img", content), false, ALL);
        long a = d.alloc(512);
        long b = d.alloc(1024);
        long c = d.alloc(2560);
        long st = d.status();
        d.submit(List.of(new Buf(d.header(T_IN, 3), 16, false), new Buf(a, 512, true), new Buf(b, 1024, true),
                new Buf(c, 2560, true), new Buf(st, 1, true)));
        d.awaitOne();
        assertEquals(S_OK, d.mem.readU8(dev.flotilla.kvm.memory.GuestAddress.of(st)));
        byte[] got = new byte[4096];
        System.arraycopy(d.bytes(a, 512), 0, got, 0, 512);
        System.arraycopy(d.bytes(b, 1024), 0, got, 512, 1024);
        System.arraycopy(d.bytes(c, 2560), 0, got, 1536, 2560);
        assertArrayEquals(Arrays.copyOfRange(content, 3 * 512, 3 * 512 + 4096), got);

        // Header and status in one descriptor each, data and status sharing the last one, through an indirect table.
        long data = d.alloc(1024 + 1);
        d.submitIndirect(List.of(new Buf(d.header(T_IN, 100), 16, false), new Buf(data, 1025, true)));
        assertEquals(1025, d.awaitOne());
        assertArrayEquals(Arrays.copyOfRange(content, 100 * 512, 100 * 512 + 1024), d.bytes(data, 1024));
        assertEquals(S_OK, d.bytes(data + 1024, 1)[0]);
    }

    @Test
    void writeReachesTheFileAndFlushSucceeds() throws IOException {
        byte[] content = new byte[64 * 1024];
        Path f = file("disk.img", content);
        BlkDriver d = start(f, false, ALL);
        byte[] payload = random(8192, 3);
        long buf = d.alloc(payload.length);
        d.fill(buf, payload);
        Submitted w = d.request(T_OUT, 5, buf, payload.length, false);
        assertEquals(1, d.awaitOne());
        assertEquals(S_OK, d.statusOf(w));
        Submitted fl = d.request(T_FLUSH, 0, 0, 0, false);
        d.awaitOne();
        assertEquals(S_OK, d.statusOf(fl));
        byte[] onDisk = Files.readAllBytes(f);
        assertArrayEquals(payload, Arrays.copyOfRange(onDisk, 5 * 512, 5 * 512 + payload.length));
        assertEquals(0, onDisk[5 * 512 - 1]);
        assertEquals(0, onDisk[5 * 512 + payload.length]);
        assertEquals(1, device.metrics().writes());
        assertEquals(8192, device.metrics().writeBytes());
        assertEquals(1, device.metrics().flushes());
    }

    @Test
    void getIdAnswersTheDriveIdAsA20ByteSerial() throws IOException {
        BlkDriver d = start(file("disk.img", new byte[4096]), false, ALL);
        long buf = d.alloc(20);
        d.fill(buf, "XXXXXXXXXXXXXXXXXXXX".getBytes(StandardCharsets.US_ASCII));
        Submitted s = d.request(T_GET_ID, 0, buf, 20, true);
        d.awaitOne();
        assertEquals(S_OK, d.statusOf(s));
        byte[] expected = Arrays.copyOf("drive-1".getBytes(StandardCharsets.US_ASCII), 20);
        assertArrayEquals(expected, d.bytes(buf, 20));
        assertEquals(1, device.metrics().getIds());
    }

    @Test
    void readOnlyDriveOffersRoRefusesWritesAndLeavesTheFileByteIdentical() throws IOException {
        byte[] content = random(32 * 1024, 4);
        Path f = file("ro.img", content);
        BlkDriver d = start(f, true, ALL | VirtioBlock.F_RO);
        assertTrue((d.offered() & VirtioBlock.F_RO) != 0, "VIRTIO_BLK_F_RO offered");
        long buf = d.alloc(4096);
        d.fill(buf, random(4096, 5));
        Submitted w = d.request(T_OUT, 0, buf, 4096, false);
        d.awaitOne();
        assertEquals(S_IOERR, d.statusOf(w));
        Submitted fl = d.request(T_FLUSH, 0, 0, 0, false);
        d.awaitOne();
        assertEquals(S_OK, d.statusOf(fl));
        Submitted r = d.request(T_IN, 0, buf, 4096, true);
        d.awaitOne();
        assertEquals(S_OK, d.statusOf(r), "reads still work");
        assertArrayEquals(content, Files.readAllBytes(f));
        assertEquals(1, device.metrics().readOnlyRefusals());
        assertEquals(0, device.metrics().writes());
    }

    @Test
    void readWriteDriveDoesNotOfferRo() throws IOException {
        BlkDriver d = start(file("rw.img", new byte[4096]), false, ALL);
        assertEquals(0, d.offered() & VirtioBlock.F_RO);
        assertEquals(ALL, d.offered() & ALL);
    }

    @Test
    void configSpaceShowsCapacitySegMaxAndBlockSize() throws IOException {
        BlkDriver d = start(file("disk.img", new byte[128 * 512]), false, ALL);
        assertEquals(128, d.config64(0));
        assertEquals(VirtioBlock.SEG_MAX, d.config32(12));
        assertEquals(512, d.config32(20));
    }

    @Test
    void aFileSizeNotAMultipleOf512IsRoundedDown() throws IOException {
        BlkDriver d = start(file("odd.img", new byte[3 * 512 + 100]), false, ALL);
        assertEquals(3, d.config64(0));
        long buf = d.alloc(512);
        Submitted last = d.request(T_IN, 2, buf, 512, true);
        d.awaitOne();
        assertEquals(S_OK, d.statusOf(last));
        Submitted past = d.request(T_IN, 3, buf, 512, true);
        d.awaitOne();
        assertEquals(S_IOERR, d.statusOf(past), "the partial sector is not part of the disk");
    }

    @Test
    void requestsPastTheEndOrOverflowingAreRefusedWithIoerr() throws IOException {
        BlkDriver d = start(file("disk.img", random(128 * 512, 6)), false, ALL);
        long buf = d.alloc(4096);
        Submitted lastSector = d.request(T_IN, 127, buf, 512, true);
        d.awaitOne();
        assertEquals(S_OK, d.statusOf(lastSector));
        long[] badSectors = {127, 128, 1L << 55, Long.MIN_VALUE, -8L /* wraps: -8 + 8 sectors = 0 */};
        for (long sector : badSectors) {
            Submitted s = d.request(T_IN, sector, buf, 4096, true);
            d.awaitOne();
            assertEquals(S_IOERR, d.statusOf(s), "sector " + Long.toUnsignedString(sector));
        }
        Submitted w = d.request(T_OUT, -8L, buf, 4096, false);
        d.awaitOne();
        assertEquals(S_IOERR, d.statusOf(w));
        assertEquals(badSectors.length + 1, device.metrics().malformed(RequestFault.OUT_OF_RANGE));
        assertEquals(0, device.metrics().writes());
    }

    @Test
    void malformedChainsFailAloneAndTheNextRequestIsServed() throws IOException {
        byte[] content = random(64 * 512, 7);
        Path f = file("disk.img", content);
        BlkDriver d = start(f, false, ALL);
        long buf = d.alloc(4096);
        d.fill(buf, random(4096, 8));

        // header of 8 bytes
        long st = d.status();
        d.submit(List.of(new Buf(d.header(T_IN, 0), 8, false), new Buf(buf, 512, true), new Buf(st, 1, true)));
        assertEquals(S_IOERR, statusAfter(d, st));
        // no writable byte for the status: a write whose last descriptor is readable
        d.submit(List.of(new Buf(d.header(T_OUT, 0), 16, false), new Buf(buf, 512, false)));
        assertEquals(0, d.awaitOne(), "completed with length 0");
        // a read whose data is device-readable
        st = d.status();
        d.submit(List.of(new Buf(d.header(T_IN, 0), 16, false), new Buf(buf, 512, false), new Buf(st, 1, true)));
        assertEquals(S_IOERR, statusAfter(d, st));
        // a write whose data is device-writable (would let the device scribble where the driver sent data)
        st = d.status();
        d.submit(List.of(new Buf(d.header(T_OUT, 0), 16, false), new Buf(buf, 512, true), new Buf(st, 1, true)));
        assertEquals(S_IOERR, statusAfter(d, st));
        // data not a whole number of sectors
        st = d.status();
        d.submit(List.of(new Buf(d.header(T_OUT, 0), 16, false), new Buf(buf, 100, false), new Buf(st, 1, true)));
        assertEquals(S_IOERR, statusAfter(d, st));
        // a flush carrying data
        st = d.status();
        d.submit(List.of(new Buf(d.header(T_FLUSH, 0), 16, false), new Buf(buf, 512, true), new Buf(st, 1, true)));
        assertEquals(S_IOERR, statusAfter(d, st));
        // an overflowing length (2^32-1 bytes from a low address): refused by the queue, completed with 0
        st = d.status();
        d.submit(List.of(new Buf(d.header(T_IN, 0), 16, false), new Buf(buf, 0xFFFF_FFFFL, true), new Buf(st, 1, true)));
        assertEquals(0, d.awaitOne());
        assertEquals(0xEE, d.mem.readU8(dev.flotilla.kvm.memory.GuestAddress.of(st)), "nothing written for a ring-level refusal");
        assertEquals(1, d.transport.queueMetrics(0).malformedTotal());

        Submitted good = d.request(T_IN, 4, buf, 1024, true);
        d.awaitOne();
        assertEquals(S_OK, d.statusOf(good));
        assertArrayEquals(Arrays.copyOfRange(content, 4 * 512, 4 * 512 + 1024), d.bytes(buf, 1024));

        BlockMetrics m = device.metrics();
        assertEquals(1, m.malformed(RequestFault.HEADER_TOO_SHORT));
        assertEquals(1, m.malformed(RequestFault.STATUS_NOT_WRITABLE));
        assertEquals(3, m.malformed(RequestFault.DATA_DIRECTION));
        assertEquals(1, m.malformed(RequestFault.DATA_NOT_SECTOR_MULTIPLE));
        assertEquals(6, m.malformedTotal());
        assertEquals(0, m.writes());
        assertArrayEquals(content, Files.readAllBytes(f), "no refused write touched the file");
        assertEquals(0, d.transport.status() & dev.flotilla.vm.virtio.DeviceStatus.NEEDS_RESET);
    }

    private static int statusAfter(BlkDriver d, long statusAddr) {
        d.awaitOne();
        return d.mem.readU8(dev.flotilla.kvm.memory.GuestAddress.of(statusAddr));
    }

    @Test
    void unknownRequestTypesAreUnsupported() throws IOException {
        BlkDriver d = start(file("disk.img", new byte[4096]), false, ALL);
        for (int type : new int[] {11 /* discard */, 13 /* write zeroes */, 10 /* get lifetime */, 0x7fff_ffff}) {
            Submitted s = d.request(type, 0, 0, 0, false);
            d.awaitOne();
            assertEquals(S_UNSUPP, d.statusOf(s), "type " + type);
        }
        assertEquals(4, device.metrics().unsupported());
    }

    @Test
    void hostIoErrorsFailOnlyTheirRequestAndAreReported() throws IOException {
        byte[] content = random(64 * 512, 9);
        Path f = file("disk.img", content);
        FaultyChannel ch = new FaultyChannel(FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE));
        device = new VirtioBlock("virtio-test-blk", "drive-1", new BackingFile(f, ch, false), Optional.empty());
        List<BackingFileException> reported = new CopyOnWriteArrayList<>();
        device.onIoError(reported::add);
        BlkDriver d = new BlkDriver(device, 4 << 20).start(ALL);
        long buf = d.alloc(4096);

        ch.failReads = new IOException("Input/output error");
        Submitted r = d.request(T_IN, 0, buf, 4096, true);
        d.awaitOne();
        assertEquals(S_IOERR, d.statusOf(r));
        ch.failReads = null;

        ch.failWrites = new IOException("No space left on device");
        Submitted w = d.request(T_OUT, 0, buf, 4096, false);
        d.awaitOne();
        assertEquals(S_IOERR, d.statusOf(w));
        ch.failWrites = null;

        ch.failForce = new IOException("Input/output error");
        Submitted fl = d.request(T_FLUSH, 0, 0, 0, false);
        d.awaitOne();
        assertEquals(S_IOERR, d.statusOf(fl));
        ch.failForce = null;

        Submitted ok = d.request(T_IN, 1, buf, 512, true);
        d.awaitOne();
        assertEquals(S_OK, d.statusOf(ok), "the device keeps serving");
        assertArrayEquals(Arrays.copyOfRange(content, 512, 1024), d.bytes(buf, 512));
        assertEquals(2, device.metrics().ioErrors(IoErrorKind.IO_ERROR));
        assertEquals(1, device.metrics().ioErrors(IoErrorKind.NO_SPACE));
        assertEquals(3, reported.size());
        assertEquals(0, d.transport.status() & dev.flotilla.vm.virtio.DeviceStatus.NEEDS_RESET);
    }

    @Test
    void aFileTruncatedBehindTheDevicesBackGivesIoerrNotGarbage() throws IOException {
        Path f = file("disk.img", random(64 * 512, 10));
        BlkDriver d = start(f, false, ALL);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(8 * 512);
        }
        long buf = d.alloc(4096);
        Submitted s = d.request(T_IN, 16, buf, 4096, true);
        d.awaitOne();
        assertEquals(S_IOERR, d.statusOf(s));
        assertEquals(1, device.metrics().ioErrors(IoErrorKind.SHORT_READ));
    }

    @Test
    void aBackingFileDeletedWhileInUseKeepsServing() throws IOException {
        byte[] content = random(16 * 512, 11);
        Path f = file("disk.img", content);
        BlkDriver d = start(f, false, ALL);
        Files.delete(f);
        long buf = d.alloc(512);
        d.fill(buf, random(512, 12));
        Submitted w = d.request(T_OUT, 2, buf, 512, false);
        d.awaitOne();
        assertEquals(S_OK, d.statusOf(w), "the open file lives on after unlink (POSIX), as in Firecracker");
        long back = d.alloc(512);
        Submitted r = d.request(T_IN, 2, back, 512, true);
        d.awaitOne();
        assertEquals(S_OK, d.statusOf(r));
        assertArrayEquals(d.bytes(buf, 512), d.bytes(back, 512));
    }

    @Test
    void withoutNegotiatedFlushEveryWriteIsWrittenThrough() throws IOException {
        Path f = file("disk.img", new byte[16 * 512]);
        FaultyChannel ch = new FaultyChannel(FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE));
        device = new VirtioBlock("virtio-test-blk", "drive-1", new BackingFile(f, ch, false), Optional.empty());
        BlkDriver d = new BlkDriver(device, 4 << 20).start(ALL & ~VirtioBlock.F_FLUSH);
        long buf = d.alloc(512);
        for (int i = 0; i < 3; i++) {
            d.request(T_OUT, i, buf, 512, false);
            d.awaitOne();
        }
        assertEquals(3, ch.forces.get());
    }

    @Test
    void swappingTheBackingFileChangesDataAndCapacityAndBumpsTheConfigGeneration() throws Exception {
        byte[] first = random(64 * 512, 13);
        byte[] second = random(200 * 512, 14);
        BlkDriver d = start(file("a.img", first), false, ALL);
        Path b = file("b.img", second);
        assertEquals(64, d.config64(0));
        int generation = d.configGeneration();
        long buf = d.alloc(512);

        assertEquals(200L, device.swapBackingFile(b).get(5, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(200, d.config64(0));
        assertEquals(200, device.capacitySectors());
        assertTrue(d.configGeneration() != generation, "config generation changed");
        assertTrue((d.interruptStatus() & MmioRegisters.INT_CONFIG_CHANGE) != 0, "config-change interrupt");
        Submitted s = d.request(T_IN, 150, buf, 512, true);
        d.awaitOne();
        assertEquals(S_OK, d.statusOf(s), "sector 150 exists on the new disk");
        assertArrayEquals(Arrays.copyOfRange(second, 150 * 512, 151 * 512), d.bytes(buf, 512));
        assertEquals(1, device.metrics().swaps());

        // and back to a smaller one: the old range is gone
        assertEquals(64L, device.swapBackingFile(dir.resolve("a.img")).get(5, java.util.concurrent.TimeUnit.SECONDS));
        Submitted gone = d.request(T_IN, 150, buf, 512, true);
        d.awaitOne();
        assertEquals(S_IOERR, d.statusOf(gone));
    }

    @Test
    void aSwapToAMissingFileFailsAndKeepsTheOldFile() throws IOException {
        byte[] content = random(8 * 512, 15);
        BlkDriver d = start(file("a.img", content), false, ALL);
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> device.swapBackingFile(dir.resolve("missing.img")));
        assertTrue(e.getMessage().contains("missing.img") && e.getMessage().contains("does not exist"), e.getMessage());
        long buf = d.alloc(512);
        Submitted s = d.request(T_IN, 7, buf, 512, true);
        d.awaitOne();
        assertEquals(S_OK, d.statusOf(s));
        assertArrayEquals(Arrays.copyOfRange(content, 7 * 512, 8 * 512), d.bytes(buf, 512));
    }

    @Test
    void swapsRacingWithGuestWritesNeverSplitARequest() throws Exception {
        // Two identical disks; a guest writes while the host swaps back and forth. Every write lands whole on
        // exactly one of the files (every 4 KiB block of each file is either all zero or all the pattern).
        Path a = file("a.img", new byte[256 * 512]);
        Path b = file("b.img", new byte[256 * 512]);
        BlkDriver d = start(a, false, ALL);
        byte[] pattern = new byte[4096];
        Arrays.fill(pattern, (byte) 0x5A);
        long buf = d.alloc(4096);
        d.fill(buf, pattern);
        Thread swapper = new Thread(() -> {
            try {
                for (int i = 0; i < 40; i++) device.swapBackingFile(i % 2 == 0 ? b : a).get(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        swapper.start();
        for (int i = 0; i < 32; i++) {
            Submitted s = d.request(T_OUT, 8L * i, buf, 4096, false);
            d.awaitOne();
            assertEquals(S_OK, d.statusOf(s));
        }
        swapper.join(20_000);
        byte[] fa = Files.readAllBytes(a);
        byte[] fb = Files.readAllBytes(b);
        for (int blk = 0; blk < 32; blk++) {
            byte[] x = Arrays.copyOfRange(fa, blk * 4096, blk * 4096 + 4096);
            byte[] y = Arrays.copyOfRange(fb, blk * 4096, blk * 4096 + 4096);
            boolean inA = Arrays.equals(x, pattern);
            boolean inB = Arrays.equals(y, pattern);
            assertTrue(inA != inB, "block " + blk + " is whole on exactly one file");
            assertTrue(inA ? Arrays.equals(y, new byte[4096]) : Arrays.equals(x, new byte[4096]));
        }
    }

    @Test
    void closedDeviceRefusesSwapsWithoutLeaking() throws Exception {
        start(file("a.img", new byte[4096]), false, ALL);
        device.close();
        var f = device.swapBackingFile(file("b.img", new byte[8192]));
        assertTrue(f.isCompletedExceptionally());
        assertEquals(8, device.capacitySectors(), "the closed device kept its last size");
        device = null;
    }
}
