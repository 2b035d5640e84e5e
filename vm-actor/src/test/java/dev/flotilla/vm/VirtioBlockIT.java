package dev.flotilla.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.pattern.StatusReply;
import dev.flotilla.kvm.x86.boot.BootProtocol;
import dev.flotilla.vm.config.BootSource;
import dev.flotilla.vm.config.CpuTemplate;
import dev.flotilla.vm.config.DriveConfig;
import dev.flotilla.vm.config.HugePages;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.RateLimiterConfig;
import dev.flotilla.vm.config.TokenBucketConfig;
import dev.flotilla.vm.config.VmDevices;
import dev.flotilla.vm.config.VmSpec;
import dev.flotilla.vm.console.ConsoleSink;
import dev.flotilla.vm.devices.block.VirtioBlock;
import dev.flotilla.vm.virtio.ChainFault;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** virtio-blk on the real /dev/bed.kvm(), driven by the probe guest's blk routines. */
class VirtioBlockIT {

    private static final AtomicInteger ids = new AtomicInteger();
    @RegisterExtension
    static final KvmTestBed bed = new KvmTestBed();

    @TempDir
    Path dir;

    /** A started VM, its console, and the devices it was built with. */
    record Booted(ActorRef<MicroVm.Command> vm, ConsoleSink console, AtomicReference<VmResources> resources) {
        VirtioBlock drive(String id) {
            return (VirtioBlock) resources.get().devices().stream().filter(d -> d.id().equals(id)).findFirst()
                    .orElseThrow().device();
        }

        AttachedDevice attached(String id) {
            return resources.get().devices().stream().filter(d -> d.id().equals(id)).findFirst().orElseThrow();
        }
    }

    private static Booted start(String cmdline, List<DriveConfig> drives) {
        String id = "blk-it-" + ids.incrementAndGet();
        VmDevices devices = new VmDevices(drives, List.of(), Optional.empty(), Optional.empty(), Optional.empty());
        VmSpec spec = new VmSpec(id, new MachineConfig(1, 128, false, CpuTemplate.NONE, false, HugePages.NONE),
                new BootSource(ProbeGuest.elf(), Optional.empty(), cmdline), devices);
        KvmTestBed.Started s = bed.start(spec, BootProtocol.AUTO);
        return new Booted(s.vm(), s.console(), s.resources());
    }

    private static VmInfo awaitEnd(Booted b, Duration timeout) {
        return bed.awaitEnd(b.vm(), timeout);
    }

    /** Runs the guest to its end and returns its console; fails unless it ended by resetting. */
    private static String runToEnd(Booted b, Duration timeout) {
        VmInfo end = awaitEnd(b, timeout);
        String console = b.console().snapshot();
        assertEquals(EndReason.Kind.RESET, end.endReason().kind(), () -> end + "\nconsole:\n" + console);
        return console;
    }

    private static DriveConfig drive(String id, Path file, boolean root, boolean ro, Optional<RateLimiterConfig> limiter) {
        return new DriveConfig(id, file, root, ro, Optional.empty(), limiter);
    }

    /** The result line of routine {@code name} (the {@code nth}, from 0). */
    private static String resultLine(String console, String name, int nth) {
        List<String> lines = console.lines().filter(l -> l.startsWith("probe: run " + name + " ")).toList();
        assertTrue(lines.size() > nth, () -> "no result line " + nth + " for " + name + " in:\n" + console);
        return lines.get(nth);
    }

    private static String crc32(byte[] b, int off, int len) {
        CRC32 c = new CRC32();
        c.update(b, off, len);
        return String.format("%08x", c.getValue());
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void hostSeesExactlyTheBytesTheGuestWroteAfterFlush() throws Exception {
        byte[] content = random(1 << 20, 1);
        Path disk = dir.resolve("data.img");
        Files.write(disk, content);
        Booted b = start("console=ttyS0 probe.run=blk,blkwrite probe.blk.wsector=8",
                List.of(drive("data1", disk, false, false, Optional.empty())));
        String console = runToEnd(b, Duration.ofSeconds(30));

        assertEquals("probe: run blk ok capacity=2048 ro=0 id=data1 crc32=" + crc32(content, 0, 4096),
                resultLine(console, "blk", 0), console);
        assertEquals("probe: run blkwrite ok status=0 flush=0", resultLine(console, "blkwrite", 0), console);
        byte[] expected = content.clone();
        byte[] text = "flotilla-probe-write-".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 4096; i++) expected[8 * 512 + i] = text[i % text.length];
        assertArrayEquals(expected, Files.readAllBytes(disk), "the guest's 4 KiB at sector 8, nothing else changed");
        VirtioBlock dev = b.drive("data1");
        assertEquals(1, dev.metrics().writes());
        assertEquals(1, dev.metrics().flushes());
        assertEquals(1, dev.metrics().getIds());
    }

    @Test
    void readOnlyDriveRefusesTheGuestsWriteAndTheFileStaysByteIdentical() throws Exception {
        byte[] content = random(256 * 1024, 2);
        Path disk = dir.resolve("ro.img");
        Files.write(disk, content);
        Booted b = start("console=ttyS0 probe.run=blk,blkwrite", List.of(drive("ro1", disk, false, true, Optional.empty())));
        String console = runToEnd(b, Duration.ofSeconds(30));

        assertTrue(resultLine(console, "blk", 0).contains(" ro=1 "), console);
        assertEquals("probe: run blkwrite ok status=1 flush=0", resultLine(console, "blkwrite", 0), console);
        assertArrayEquals(content, Files.readAllBytes(disk));
        assertEquals(1, b.drive("ro1").metrics().readOnlyRefusals());
    }

    @Test
    void rootDriveTakesSlotZeroAndTheCommandLineNamesIt() throws Exception {
        Path data = dir.resolve("data.img");
        Path root = dir.resolve("root.img");
        Files.write(data, new byte[64 * 1024]);
        Files.write(root, new byte[128 * 1024]);
        Booted b = start("console=ttyS0 probe.run=blk", List.of(drive("data", data, false, false, Optional.empty()),
                drive("rootfs", root, true, true, Optional.empty())));
        String console = runToEnd(b, Duration.ofSeconds(30));

        assertTrue(console.contains("root=/dev/vda ro"), console);
        assertEquals(0, b.attached("rootfs").slot().index(), "the root drive is /dev/vda");
        // the probe's blk routine uses the first virtio-blk it finds: the root drive's 256 sectors
        assertTrue(resultLine(console, "blk", 0).contains("capacity=256 ro=1 id=rootfs"), console);
    }

    @Test
    void liveSwapOfTheBackingFileAndItsNewSizeAreSeenByTheGuest() throws Exception {
        byte[] first = random(512 * 1024, 3);
        byte[] second = random(3 * 1024 * 1024, 4);
        Path a = dir.resolve("a.img");
        Path bFile = dir.resolve("b.img");
        Files.write(a, first);
        Files.write(bFile, second);
        Booted b = start("console=ttyS0 probe.run=blk,blkwait,blk", List.of(drive("swap1", a, false, false, Optional.empty())));
        b.console().awaitLine(l -> l.startsWith("probe: blkwait: waiting")).get(30, TimeUnit.SECONDS);

        long capacity = b.drive("swap1").swapBackingFile(bFile).get(5, TimeUnit.SECONDS);
        assertEquals(6144, capacity);
        String console = runToEnd(b, Duration.ofSeconds(40));

        assertTrue(resultLine(console, "blk", 0).contains("capacity=1024 ") && resultLine(console, "blk", 0)
                .endsWith("crc32=" + crc32(first, 0, 4096)), console);
        assertEquals("probe: run blkwait ok capacity=6144", resultLine(console, "blkwait", 0), console);
        assertTrue(resultLine(console, "blk", 1).contains("capacity=6144 ") && resultLine(console, "blk", 1)
                .endsWith("crc32=" + crc32(second, 0, 4096)), console);
    }

    @Test
    void aMalformedChainFromTheGuestFailsOnlyThatRequest() throws Exception {
        byte[] content = random(64 * 1024, 5);
        Path disk = dir.resolve("bad.img");
        Files.write(disk, content);
        Booted b = start("console=ttyS0 probe.run=blkbad,blk", List.of(drive("bad1", disk, false, false, Optional.empty())));
        String console = runToEnd(b, Duration.ofSeconds(30));

        assertEquals("probe: run blkbad ok bad_status=255 good=1 needs_reset=0", resultLine(console, "blkbad", 0), console);
        assertTrue(resultLine(console, "blk", 0).endsWith("crc32=" + crc32(content, 0, 4096)), console);
        assertEquals(1, b.attached("bad1").transport().queueMetrics(0).malformed(ChainFault.BUFFER_OUT_OF_RAM));
    }

    @Test
    void aFullHostDiskFailsTheGuestsWriteWithIoerrAndTheVmRunsOn() throws Exception {
        // A 64 KiB tmpfs filled up: the sparse disk image cannot get a page for the guest's write (real ENOSPC).
        Path mnt = Files.createDirectory(dir.resolve("full"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt.toString())
                .redirectErrorStream(true).start();
        String mountOut = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean mounted = mount.waitFor() == 0;
        if (!mounted) System.err.println("SKIPPING full-disk test: cannot mount a tmpfs (needs root): " + mountOut);
        org.junit.jupiter.api.Assumptions.assumeTrue(mounted, "cannot mount a tmpfs: " + mountOut);
        try {
            Path disk = mnt.resolve("disk.img");
            try (var f = new java.io.RandomAccessFile(disk.toFile(), "rw")) {
                f.setLength(1 << 20);
            }
            try (var fill = Files.newOutputStream(mnt.resolve("fill"))) {
                byte[] page = new byte[4096];
                while (true) fill.write(page);
            } catch (java.io.IOException full) {
                // the tmpfs is full now
            }
            Booted b = start("console=ttyS0 probe.run=blkwrite,blk", List.of(drive("full1", disk, false, false, Optional.empty())));
            String console = runToEnd(b, Duration.ofSeconds(30));

            assertEquals("probe: run blkwrite ok status=1 flush=0", resultLine(console, "blkwrite", 0), console);
            assertTrue(resultLine(console, "blk", 0).startsWith("probe: run blk ok capacity=2048 "), "the device serves on: " + console);
            assertEquals(1, b.drive("full1").metrics().ioErrors(dev.flotilla.vm.devices.block.IoErrorKind.NO_SPACE));
        } finally {
            new ProcessBuilder("umount", mnt.toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    void aBandwidthLimitThrottlesTheGuestToWhatItsBucketAllows() throws Exception {
        // 1 MiB/s: a bucket of 100 KiB refilled every 100 ms (a small bucket: a short initial burst)
        long bucket = 100 << 10;
        long refillNanos = TimeUnit.MILLISECONDS.toNanos(100);
        Path disk = dir.resolve("rl.img");
        Files.write(disk, new byte[4 << 20]);
        int mib = 6;
        long before = System.nanoTime();   // before the limiter exists: its refills fit in what follows
        Booted b = start("console=ttyS0 probe.run=blkread probe.blk.read_mib=" + mib,
                List.of(drive("rl1", disk, false, false,
                        Optional.of(new RateLimiterConfig(Optional.of(new TokenBucketConfig(bucket, 0, 100)), Optional.empty())))));
        VirtioBlock dev = b.drive("rl1");
        String console = runToEnd(b, Duration.ofSeconds(120));
        long elapsed = System.nanoTime() - before;

        Matcher m = Pattern.compile("probe: run blkread ok bytes=(\\d+) us=(\\d+) errors=0").matcher(resultLine(console, "blkread", 0));
        assertTrue(m.matches(), console);
        assertEquals((long) mib << 20, dev.metrics().readBytes(), "every byte served, throttled or not");
        assertTrue(dev.metrics().throttledEvents() > 0, "the guest never waited for its limit");
        // The bucket's own accounting: the initial bucket plus one bucket per refill period that has begun.
        // A slow machine only lowers what the guest reads; no wall-clock rate is asserted.
        long allowed = bucket * (1 + (elapsed + refillNanos - 1) / refillNanos);
        assertTrue(dev.metrics().readBytes() <= allowed, dev.metrics().readBytes() + " bytes in "
                + elapsed / 1_000_000 + " ms through a bucket that allows " + allowed);
        System.out.printf("virtio-blk rate limit 1 MiB/s: %d MiB read by the guest at %.0f B/s (its own clock), "
                + "throttled %d times%n", mib, Long.parseLong(m.group(1)) / (Long.parseLong(m.group(2)) / 1e6),
                dev.metrics().throttledEvents());
    }

    @Test
    void aRateLimitPatchWhileTheGuestReadsTakesEffectAtOnce() throws Exception {
        // 64 KiB then nothing for ten minutes: without the PATCH waking the worker the guest cannot finish
        long held = 64 << 10;
        Path disk = dir.resolve("patch.img");
        Files.write(disk, new byte[4 << 20]);
        Booted b = start("console=ttyS0 probe.run=blkread probe.blk.read_mib=8",
                List.of(drive("p1", disk, false, false,
                        Optional.of(new RateLimiterConfig(Optional.of(new TokenBucketConfig(held, 0, 600_000)), Optional.empty())))));
        VirtioBlock dev = b.drive("p1");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (dev.metrics().throttledEvents() == 0) {
            assertTrue(System.nanoTime() < deadline, "the guest never reached its limit");
            Thread.onSpinWait();
        }
        assertTrue(dev.metrics().readBytes() <= held, "read past the bucket: " + dev.metrics().readBytes());
        // Firecracker's PATCH: a present bucket replaces the live one; 2 MiB/s now
        dev.updateRateLimiter(new RateLimiterConfig(Optional.of(new TokenBucketConfig(200 << 10, 0, 100)), Optional.empty()));
        String console = runToEnd(b, Duration.ofSeconds(120));
        assertTrue(resultLine(console, "blkread", 0).startsWith("probe: run blkread ok "), console);
        assertEquals(8L << 20, dev.metrics().readBytes());
    }

    @Test
    void aMissingBackingFileRefusesTheStartNamingTheFile() {
        String id = "blk-it-" + ids.incrementAndGet();
        Path missing = dir.resolve("nope.img");
        VmDevices devices = new VmDevices(List.of(drive("gone", missing, false, false, Optional.empty())), List.of(),
                Optional.empty(), Optional.empty(), Optional.empty());
        VmSpec spec = new VmSpec(id, new MachineConfig(1, 128, false, CpuTemplate.NONE, false, HugePages.NONE),
                new BootSource(ProbeGuest.elf(), Optional.empty(), "console=ttyS0"), devices);
        ActorRef<MicroVm.Command> vm = bed.testKit().spawn(MicroVm.create(id, 1, 128,
                hooks -> VmBuilder.build(bed.kvm(), spec, BootProtocol.AUTO, ConsoleSink.inMemory(), hooks)), id);
        TestProbe<StatusReply<VmInfo>> reply = bed.testKit().createTestProbe();
        vm.tell(new MicroVm.Start(reply.getRef()));
        StatusReply<VmInfo> r = reply.receiveMessage(Duration.ofSeconds(20));
        assertTrue(r.isError(), "a drive without its file must not start");
        String msg = r.getError().getMessage();
        assertTrue(msg.contains("nope.img") && msg.contains("does not exist"), msg);
    }

    @Test
    void unthrottledGuestReadThroughput() throws Exception {
        // Not an assertion on speed (the emulating KVM and the machine's load set it): a reference printed
        // next to the rate-limit tests above; `flotilla bench devices` is where speed is measured.
        Path disk = dir.resolve("fast.img");
        Files.write(disk, new byte[4 << 20]);
        Booted b = start("console=ttyS0 probe.run=blkread probe.blk.read_mib=8",
                List.of(drive("fast1", disk, false, false, Optional.empty())));
        VirtioBlock dev = b.drive("fast1");
        // Host CPU of the device worker per request, sampled while it runs (the thread ends with the VM).
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long deadline = System.nanoTime() + 30_000_000_000L;
        Thread worker = null;
        while (worker == null && System.nanoTime() < deadline) {   // it starts when the guest's driver is ready
            worker = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().endsWith("-blk-fast1"))
                    .findFirst().orElse(null);
            Thread.sleep(5);
        }
        assertTrue(worker != null, "the device worker never started");
        long cpu = 0, reads = 0;
        while (dev.metrics().readBytes() < (8L << 20) - (256 << 10) && System.nanoTime() < deadline) {
            long c = mx.getThreadCpuTime(worker.getId());
            long r = dev.metrics().reads();
            if (c > 0) {
                cpu = c;
                reads = r;
            }
            Thread.sleep(20);
        }
        String console = runToEnd(b, Duration.ofSeconds(60));
        Matcher m = Pattern.compile("probe: run blkread ok bytes=(\\d+) us=(\\d+) errors=0").matcher(resultLine(console, "blkread", 0));
        assertTrue(m.matches(), console);
        double rate = Long.parseLong(m.group(1)) / (Long.parseLong(m.group(2)) / 1e6);
        System.out.printf("virtio-blk unthrottled guest reads (4 KiB requests): %.0f B/s, %.0f requests/s; "
                + "device worker CPU %.1f us per request (%d requests sampled)%n", rate, rate / 4096,
                reads == 0 ? 0.0 : cpu / 1e3 / reads, reads);
        assertEquals(8L << 20, dev.metrics().readBytes());
    }

    @Test
    void theGuestsManySegmentRequestsAreServedWholeInOneGo() throws Exception {
        // 1 MiB reads of 128 descriptors of 8 KiB in an indirect table: on mmap'd guest RAM each is one preadv
        Path disk = dir.resolve("seq.img");
        Files.write(disk, random(4 << 20, 7));
        Booted b = start("console=ttyS0 probe.run=blkseq probe.blk.seq_count=16 probe.blk.req_kib=1024 probe.blk.seg_kib=8",
                List.of(drive("seq1", disk, false, true, Optional.empty())));
        String console = runToEnd(b, Duration.ofSeconds(60));
        assertEquals("probe: run blkseq ok reads=16 errors=0 bytes=16777216 req_kib=1024 segs=128",
                resultLine(console, "blkseq", 0).replaceAll(" us=\\d+", ""), console);
        VirtioBlock dev = b.drive("seq1");
        assertEquals(16, dev.metrics().reads());
        assertEquals(16L << 20, dev.metrics().readBytes());
        assertEquals(0, dev.metrics().ioErrorsTotal());
    }
}
