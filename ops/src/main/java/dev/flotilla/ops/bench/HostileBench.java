package dev.flotilla.ops.bench;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.HeapGuestMemory;
import dev.flotilla.kvm.memory.MmapGuestMemory;
import dev.flotilla.vm.config.BalloonConfig;
import dev.flotilla.vm.devices.balloon.VirtioBalloon;
import dev.flotilla.vm.devices.block.BackingFile;
import dev.flotilla.vm.devices.block.VirtioBlock;
import dev.flotilla.vm.virtio.ActivatedQueues;
import dev.flotilla.vm.virtio.DescriptorChain;
import dev.flotilla.vm.virtio.Interrupts;
import dev.flotilla.vm.virtio.SplitQueue;
import dev.flotilla.vm.virtio.VirtioFeatures;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code flotilla bench hostile}: the CPU a hostile guest can make Flotilla's own device code spend, per
 * guest action, on inputs no honest driver sends, built by hand in guest memory ({@link HostileRing}):
 * <ul>
 *   <li>{@code indirect-max}: every entry of a 256-entry queue an indirect table of 32768 descriptors;</li>
 *   <li>{@code aliased-read}: 64 block reads of ~2 GiB each, every data descriptor naming the same 64 MiB of
 *       guest RAM (mmap'd, the real preadv path; a sparse 4 GiB disk), and a device reset (Status=0) once
 *       the first has completed: how long the reset waits and what the worker does after it;</li>
 *   <li>{@code balloon-inflate}: 256 inflate chains, each an indirect table naming one page of 1024 scattered
 *       PFNs 8 times over, against mmap'd RAM (real madvise).</li>
 * </ul>
 * No VM and no QEMU peer: what is measured is Flotilla's own bounds, not a comparison. Thread CPU comes
 * from {@link ThreadMXBean}; work units from the devices' counters.
 */
public final class HostileBench {

    static final String USAGE = "usage: flotilla bench hostile   (no options; prints one Markdown table)";

    private static final long FEATURES = VirtioFeatures.VERSION_1 | VirtioFeatures.RING_INDIRECT_DESC;
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private HostileBench() {}

    public static int execute(List<String> args) {
        if (!args.isEmpty()) {
            boolean help = args.contains("--help") || args.contains("-h");
            (help ? System.out : System.err).println(USAGE);
            return help ? 0 : 2;
        }
        if (System.getProperty("flotilla.log.level") == null) System.setProperty("flotilla.log.level", "ERROR");
        TextTable table = new TextTable("case", "guest input", "thread CPU ms", "work units", "notes");
        try {
            indirectMax(table);
            aliasedRead(table);
            balloonInflate(table);
        } catch (Exception e) {
            System.err.println("flotilla bench hostile: " + e);
            return 1;
        }
        System.out.print(table.render());
        return 0;
    }

    private static final Interrupts NO_INTERRUPTS = new Interrupts() {
        @Override
        public void signalUsedBuffer(int queue) {
        }

        @Override
        public void signalConfigChange() {
        }

        @Override
        public void signalNeedsReset(String reason) {
        }
    };

    /** 4 rounds of 256 chains, each through an indirect table of 32768 one-buffer descriptors; popped here. */
    static void indirectMax(TextTable table) {
        int size = 256;
        int tableLen = 32768;
        int rounds = 4;
        HeapGuestMemory mem = HeapGuestMemory.ofSize(8L << 20);
        HostileRing ring = new HostileRing(mem, size, 0x1000);
        long tableAt = 0x100000;
        long data = 0x400000;
        for (int i = 0; i < tableLen; i++) {
            ring.desc(tableAt, i, data, 64, i + 1 < tableLen ? HostileRing.F_NEXT : 0, i + 1);
        }
        for (int h = 0; h < size; h++) ring.desc(h, tableAt, 16L * tableLen, HostileRing.F_INDIRECT, 0);
        SplitQueue q = ring.queue(0, FEATURES);
        long walked = 0;
        long chains = 0;
        long cpu0 = CPU.getCurrentThreadCpuTime();
        for (int r = 0; r < rounds; r++) {
            for (int h = 0; h < size; h++) ring.offer(h);
            Optional<DescriptorChain> c;
            while ((c = q.pop()).isPresent()) {
                walked += 1 + c.get().readableSegments().size() + c.get().writableSegments().size();
                q.addUsed(c.get(), 0);
            }
            chains += size;
        }
        long cpu = CPU.getCurrentThreadCpuTime() - cpu0;
        long refused = ring.metrics().malformedTotal();
        walked += refused;   // a refused chain: its head read, then refused (table length or loop)
        table.row("indirect-max", chains + " chains x indirect table of " + tableLen, ms(cpu),
                walked + " descriptors walked", refused + " chains refused (" + ring.metrics().malformedByReason() + ")");
    }

    /** 64 reads of 31 x 64 MiB aliased buffers, then a reset once the first is done. */
    static void aliasedRead(TextTable table) throws Exception {
        int requests = 64;
        int segs = 31;
        long seg = 64L << 20;
        Path disk = Files.createTempFile("flotilla-hostile", ".img");
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(4L << 30);
        }
        try (MmapGuestMemory mem = MmapGuestMemory.ofSize(96L << 20)) {
            HostileRing ring = new HostileRing(mem, VirtioBlock.QUEUE_SIZE, 0x1000);
            long tableAt = 0x100000;
            long header = 0x200000;
            long status = 0x200100;
            mem.write(GuestAddress.of(header), new byte[16]);   // type IN, sector 0
            ring.desc(tableAt, 0, header, 16, HostileRing.F_NEXT, 1);
            for (int k = 0; k < segs; k++) {
                ring.desc(tableAt, 1 + k, 16L << 20, seg, HostileRing.F_WRITE | HostileRing.F_NEXT, 2 + k);
            }
            ring.desc(tableAt, 1 + segs, status, 1, HostileRing.F_WRITE, 0);
            for (int h = 0; h < requests; h++) ring.desc(h, tableAt, 16L * (segs + 2), HostileRing.F_INDIRECT, 0);
            String name = "virtio-bench-hostile-blk";
            VirtioBlock blk = new VirtioBlock(name, "hostile", BackingFile.open(disk, false), Optional.empty());
            try {
                blk.activate(new ActivatedQueues(new SplitQueue[] {ring.queue(0, FEATURES)}, FEATURES), mem, NO_INTERRUPTS);
                for (int h = 0; h < requests; h++) ring.offer(h);
                blk.queueNotified(0);
                Thread worker = threadNamed(name);
                long deadline = System.nanoTime() + 120_000_000_000L;
                while (blk.metrics().reads() < 1 && System.nanoTime() < deadline) Thread.onSpinWait();
                long readsAtReset = blk.metrics().reads();
                long cpuAtReset = CPU.getThreadCpuTime(worker.getId());
                // the worker's CPU, sampled every millisecond until it ends (a dead thread has none to read)
                AtomicLong cpuLast = new AtomicLong(cpuAtReset);
                Thread sampler = new Thread(() -> {
                    while (worker.isAlive() && System.nanoTime() < deadline) {
                        long c = CPU.getThreadCpuTime(worker.getId());
                        if (c > 0) cpuLast.set(c);
                        LockSupport.parkNanos(1_000_000);
                    }
                }, "bench-hostile-cpu-sampler");
                sampler.start();
                long t0 = System.nanoTime();
                blk.reset();   // the guest's Status=0, on a vCPU thread in a VM
                long resetNanos = System.nanoTime() - t0;
                boolean aliveAfterReset = worker.isAlive();
                sampler.join();
                long after = blk.metrics().reads() - readsAtReset;
                table.row("aliased-read", requests + " reads of " + (segs * seg >> 20) + " MiB into one 64 MiB buffer, then reset",
                        ms(cpuLast.get() - cpuAtReset) + " after the reset", after + " reads (" + (after * segs * seg >> 20)
                                + " MiB) after the reset",
                        "reset waited " + ms(resetNanos) + " ms; worker " + (aliveAfterReset ? "still running" : "ended")
                                + " when it returned");
            } finally {
                blk.close();
            }
        } finally {
            Files.deleteIfExists(disk);
        }
    }

    /** 256 inflate chains, each naming the same 1024 scattered PFNs 8 times over. */
    static void balloonInflate(TextTable table) throws Exception {
        int size = 256;
        int aliases = 8;
        int pfnsPerPage = 1024;
        try (MmapGuestMemory mem = MmapGuestMemory.ofSize(128L << 20)) {
            HostileRing inflate = new HostileRing(mem, size, 0x1000);
            HostileRing deflate = new HostileRing(mem, size, 0x1000 + 0x4000);
            long pfnPage = 0x100000;
            long tableAt = 0x101000;
            byte[] pfns = new byte[4 * pfnsPerPage];
            for (int i = 0; i < pfnsPerPage; i++) {
                int pfn = 4096 + 2 * i;   // every other page from 16 MiB: nothing merges
                pfns[4 * i] = (byte) pfn;
                pfns[4 * i + 1] = (byte) (pfn >>> 8);
                pfns[4 * i + 2] = (byte) (pfn >>> 16);
                pfns[4 * i + 3] = (byte) (pfn >>> 24);
            }
            mem.write(GuestAddress.of(pfnPage), pfns);
            for (int k = 0; k < aliases; k++) {
                inflate.desc(tableAt, k, pfnPage, pfns.length, k + 1 < aliases ? HostileRing.F_NEXT : 0, k + 1);
            }
            for (int h = 0; h < size; h++) inflate.desc(h, tableAt, 16L * aliases, HostileRing.F_INDIRECT, 0);
            LongAdder madvise = new LongAdder();
            String name = "virtio-bench-hostile-balloon";
            VirtioBalloon balloon = new VirtioBalloon(name, new BalloonConfig(0, false, 0), mem.totalSize(), (addr, len) -> {
                madvise.increment();
                mem.discard(addr, len);
            });
            try {
                balloon.activate(new ActivatedQueues(new SplitQueue[] {inflate.queue(0, FEATURES), deflate.queue(1, FEATURES)},
                        FEATURES), mem, NO_INTERRUPTS);
                Thread worker = threadNamed(name);
                long cpu0 = CPU.getThreadCpuTime(worker.getId());
                for (int h = 0; h < size; h++) inflate.offer(h);
                balloon.queueNotified(0);
                long deadline = System.nanoTime() + 300_000_000_000L;
                while (inflate.usedIdx() != size && System.nanoTime() < deadline) Thread.sleep(1);
                long cpu = CPU.getThreadCpuTime(worker.getId()) - cpu0;
                table.row("balloon-inflate", size + " chains x " + aliases + " x the same " + pfnsPerPage + " scattered PFNs",
                        ms(cpu), madvise.sum() + " madvise calls",
                        inflate.usedIdx() + " chains completed; " + balloon.invalidPfns() + " PFNs counted invalid, not released");
            } finally {
                balloon.close();
            }
        }
    }

    private static Thread threadNamed(String name) {
        for (Thread t : Thread.getAllStackTraces().keySet()) if (t.getName().equals(name)) return t;
        throw new IllegalStateException("no thread " + name + ": the device did not start its worker");
    }

    private static String ms(long nanos) {
        return String.format("%.1f", nanos / 1e6);
    }
}
