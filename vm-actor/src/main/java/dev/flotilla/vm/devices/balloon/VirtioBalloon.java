package dev.flotilla.vm.devices.balloon;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.vm.config.BalloonConfig;
import dev.flotilla.vm.virtio.ActivatedQueues;
import dev.flotilla.vm.virtio.DescriptorChain;
import dev.flotilla.vm.virtio.DeviceWorker;
import dev.flotilla.vm.virtio.Interrupts;
import dev.flotilla.vm.virtio.SplitQueue;
import dev.flotilla.vm.virtio.VirtioActivationException;
import dev.flotilla.vm.virtio.VirtioFeatures;
import dev.flotilla.vm.virtio.WorkerBackedDevice;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * virtio-balloon (device type 5), Firecracker's balloon: the host sets a target ({@code num_pages}, from
 * {@code amount_mib}) and the guest inflates towards it, handing over page frame numbers that the device
 * gives back to the host ({@link PageReleaser}: madvise DONTNEED), and reports the balloon's size in
 * {@code actual}. Queues: inflate (0), deflate (1) and, with statistics, stats (2). Features:
 * STATS_VQ when {@code stats_polling_interval_s > 0}, DEFLATE_ON_OOM as configured.
 *
 * <p>Statistics follow the virtio protocol: the driver posts one stats buffer; the device keeps it (the
 * values inside are the latest statistics) and hands it back when it wants fresh ones — here when the
 * polling interval, kept as the worker's deadline, has passed — and the driver refills and re-posts it.
 *
 * <p>Control plane (any thread): {@link #setTargetMib} (Firecracker's PATCH /balloon) raises a
 * configuration-change interrupt; {@link #setStatsPollingIntervalS} (PATCH /balloon/statistics) re-arms
 * the deadline; {@link #statistics()} reads the latest values. Every PFN is checked to be a whole page of
 * guest RAM before any madvise; a bad one is counted and skipped.
 */
public final class VirtioBalloon extends WorkerBackedDevice implements dev.flotilla.vm.devices.LiveDevice {

    public static final int DEVICE_TYPE = 5;
    public static final int QUEUE_SIZE = 256;
    public static final long F_MUST_TELL_HOST = 1L;
    public static final long F_STATS_VQ = 1L << 1;
    public static final long F_DEFLATE_ON_OOM = 1L << 2;
    static final int INFLATE = 0;
    static final int DEFLATE = 1;
    static final int STATS = 2;
    static final long PAGES_PER_MIB = 256;
    /** PFNs taken from one chain (Linux's VIRTIO_BALLOON_ARRAY_PFNS_MAX); more are counted as invalid. */
    static final int PFNS_PER_CHAIN = 256;
    /** Inflate/deflate chains per worker turn: bounds the madvise calls one wake-up can cost. */
    static final int CHAINS_PER_TURN = 4;
    /** At most one madvise per distinct page of a turn's batch; fewer once merged. */
    static final int MAX_RELEASES_PER_TURN = CHAINS_PER_TURN * PFNS_PER_CHAIN;
    /** Stats buffers beyond this are read only up to it (102 entries; the spec defines 10 tags). */
    static final int MAX_STATS_BYTES = 1020;

    private final boolean deflateOnOom;
    private final boolean statsEnabled;
    private final long memoryPages;
    private final PageReleaser releaser;
    private volatile long targetPages;
    private volatile long actualPages;
    private volatile int statsIntervalS;
    private volatile GuestMemoryStats latest = GuestMemoryStats.NONE;
    private volatile long statsAtNanos = -1;

    // worker thread only
    private DescriptorChain heldStats;
    private final byte[] pfnBytes = new byte[MAX_RELEASES_PER_TURN * 4];
    private final int[] pfns = new int[MAX_RELEASES_PER_TURN];
    private final DescriptorChain[] turnChains = new DescriptorChain[CHAINS_PER_TURN];
    private final byte[] statsBytes = new byte[MAX_STATS_BYTES];

    private final LongAdder inflatedPages = new LongAdder();
    private final LongAdder deflatedPages = new LongAdder();
    private final LongAdder invalidPfns = new LongAdder();
    private final LongAdder releaseErrors = new LongAdder();
    private final LongAdder releaseCalls = new LongAdder();
    private final LongAdder statsReports = new LongAdder();

    /**
     * @param memoryBytes the guest's RAM, the most the balloon may take
     */
    public VirtioBalloon(String name, BalloonConfig config, long memoryBytes, PageReleaser releaser) {
        // validates first: a refused config leaks no worker fds
        super(name, queueCount(config, memoryBytes), new DeviceWorker.Budget(CHAINS_PER_TURN, Long.MAX_VALUE),
                DeviceWorker.DEFAULT_STOP_GRACE);
        this.deflateOnOom = config.deflateOnOom();
        this.statsEnabled = config.statsPollingIntervalS() > 0;
        this.statsIntervalS = config.statsPollingIntervalS();
        this.memoryPages = memoryBytes / PageRanges.PAGE_SIZE;
        this.releaser = releaser;
        this.targetPages = checkedTarget(config.amountMib());
    }

    private static int queueCount(BalloonConfig config, long memoryBytes) {
        checkedTarget(config.amountMib(), memoryBytes / PageRanges.PAGE_SIZE);
        return config.statsPollingIntervalS() > 0 ? 3 : 2;
    }

    private long checkedTarget(long mib) {
        return checkedTarget(mib, memoryPages);
    }

    private static long checkedTarget(long mib, long memoryPages) {
        long pages = mib * PAGES_PER_MIB;
        if (mib < 0 || pages > memoryPages) {
            throw new IllegalArgumentException("balloon amount_mib " + mib + " is more than the guest's "
                    + memoryPages / PAGES_PER_MIB + " MiB of memory: choose 0 to " + memoryPages / PAGES_PER_MIB);
        }
        return pages;
    }

    /** Firecracker's PATCH /balloon: a new target; the guest is told through a config-change interrupt. */
    public void setTargetMib(long mib) {
        targetPages = checkedTarget(mib);
        Interrupts irq = interrupts;
        if (irq != null) irq.signalConfigChange();
    }

    /**
     * Firecracker's PATCH /balloon/statistics. Statistics can be re-timed but not switched on or off after
     * boot: the stats queue is negotiated when the driver starts.
     */
    public void setStatsPollingIntervalS(int seconds) {
        if (seconds < 0 || seconds > 3600) {
            throw new IllegalArgumentException("stats_polling_interval_s " + seconds + " is out of range: use 1 to 3600");
        }
        if ((seconds > 0) != statsEnabled) {
            throw new IllegalStateException(statsEnabled
                    ? "balloon statistics cannot be disabled after boot: use an interval of 1 to 3600 s"
                    : "balloon statistics were not enabled at boot (stats_polling_interval_s 0), so they cannot be started now");
        }
        statsIntervalS = seconds;
        if (worker.running()) worker.setDeadline(System.nanoTime() + seconds * 1_000_000_000L);
    }

    /** GET /balloon: the current configuration. */
    /** Firecracker's balloon metric names where they exist. */
    @Override
    public java.util.Map<String, Long> counters() {
        return java.util.Map.of("target_pages", targetPages(), "actual_pages", actualPages(),
                "inflate_count", inflatedPages(), "deflate_count", deflatedPages(),
                "invalid_pfns", invalidPfns(), "release_errors", releaseErrors(), "release_calls", releaseCalls(),
                "stats_updates_count", statsReports());
    }

    /** PATCH /balloon (new target) and PATCH /balloon/statistics (new interval). */
    @Override
    public java.util.concurrent.CompletionStage<Void> apply(dev.flotilla.vm.devices.DeviceUpdate update) {
        if (!(update instanceof dev.flotilla.vm.devices.DeviceUpdate.Balloon b)) {
            throw new dev.flotilla.vm.config.InvalidConfigException("balloon", "the balloon takes only balloon updates");
        }
        if (b.balloon().statsPollingIntervalS() != config().statsPollingIntervalS()) {
            setStatsPollingIntervalS(b.balloon().statsPollingIntervalS());
        }
        setTargetMib(b.balloon().amountMib());
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    public BalloonConfig config() {
        return new BalloonConfig(targetPages / PAGES_PER_MIB, deflateOnOom, statsIntervalS);
    }

    public long targetPages() {
        return targetPages;
    }

    /** The balloon's size as the guest last reported it in {@code actual}. */
    public long actualPages() {
        return actualPages;
    }

    /** GET /balloon/statistics; empty when statistics were not enabled. */
    public Optional<BalloonStatistics> statistics() {
        if (!statsEnabled) return Optional.empty();
        long t = targetPages;
        long a = actualPages;
        long at = statsAtNanos;
        return Optional.of(new BalloonStatistics(t, a, t / PAGES_PER_MIB, a / PAGES_PER_MIB, latest,
                at < 0 ? -1 : System.nanoTime() - at));
    }

    public long inflatedPages() {
        return inflatedPages.sum();
    }

    public long deflatedPages() {
        return deflatedPages.sum();
    }

    public long invalidPfns() {
        return invalidPfns.sum();
    }

    /** madvise calls made: one per merged range of distinct pages. */
    public long releaseCalls() {
        return releaseCalls.sum();
    }

    public long releaseErrors() {
        return releaseErrors.sum();
    }

    public long statsReports() {
        return statsReports.sum();
    }

    @Override
    public int deviceType() {
        return DEVICE_TYPE;
    }

    @Override
    public long deviceFeatures() {
        return VirtioFeatures.RING_INDIRECT_DESC | VirtioFeatures.RING_EVENT_IDX
                | (statsEnabled ? F_STATS_VQ : 0) | (deflateOnOom ? F_DEFLATE_ON_OOM : 0);
    }

    @Override
    public int queueMaxSize(int q) {
        return QUEUE_SIZE;
    }

    @Override
    protected void checkActivation(ActivatedQueues q) throws VirtioActivationException {
        if (!q.isReady(INFLATE) || !q.isReady(DEFLATE)) {
            throw new VirtioActivationException(name + " needs its inflate and deflate queues set up");
        }
    }

    @Override
    public void readConfig(long offset, byte[] data) {
        long t = targetPages;
        long a = actualPages;
        for (int i = 0; i < data.length; i++) {
            long at = offset + i;
            if (at >= 0 && at < 4) data[i] = (byte) (t >>> (8 * at));
            else if (at >= 4 && at < 8) data[i] = (byte) (a >>> (8 * (at - 4)));
        }
    }

    @Override
    public synchronized void writeConfig(long offset, byte[] data) {
        long a = actualPages;
        for (int i = 0; i < data.length; i++) {
            long at = offset + i;
            if (at >= 4 && at < 8) {
                int shift = (int) (8 * (at - 4));
                a = (a & ~(0xFFL << shift)) | ((data[i] & 0xFFL) << shift);
            }   // num_pages and the rest are the device's
        }
        actualPages = a;
    }

    @Override
    public void queueKicked(int q) {
        switch (q) {
            case INFLATE -> drainPfns(INFLATE);
            case DEFLATE -> drainPfns(DEFLATE);
            case STATS -> takeStats();
            default -> { }
        }
    }

    @Override
    public void deadlineReached() {
        if (heldStats == null || !queues.isReady(STATS)) return;
        DescriptorChain c = heldStats;
        heldStats = null;
        complete(queues.queue(STATS), c, 0);   // "send fresh statistics": the driver refills and re-posts
    }

    @Override
    protected void deactivated() {
        heldStats = null;
        actualPages = 0;   // a reset guest starts with an empty balloon
    }

    /**
     * One turn on the inflate or deflate queue: takes up to {@link #CHAINS_PER_TURN} chains (the worker's
     * budget), reads at most {@link #PFNS_PER_CHAIN} PFNs from each, sorts, de-duplicates and merges them
     * into ranges, releases those (at most {@link #MAX_RELEASES_PER_TURN} madvise calls) and only then
     * completes the chains. The worker comes back for the rest of the queue on a later turn.
     */
    private void drainPfns(int q) {
        SplitQueue queue = queues.queue(q);
        int taken = 0;
        int batched = 0;
        while (worker.mayTakeChain()) {
            Optional<DescriptorChain> next = queue.pop();
            if (next.isEmpty()) {
                if (!queue.enableNotification()) break;
                continue;
            }
            DescriptorChain chain = next.get();
            // Linux sends at most 256 PFNs per buffer; a chain naming more (the same buffer many times
            // over, say) has the rest counted and not read.
            long offered = chain.readableLength() / 4;
            int n = (int) Math.min(offered, PFNS_PER_CHAIN);
            invalidPfns.add(offered - n);
            chain.read(0, pfnBytes, batched * 4, n * 4);
            for (int i = 0; i < n; i++) {
                int o = (batched + i) * 4;
                pfns[batched + i] = (pfnBytes[o] & 0xFF) | (pfnBytes[o + 1] & 0xFF) << 8
                        | (pfnBytes[o + 2] & 0xFF) << 16 | (pfnBytes[o + 3] & 0xFF) << 24;
            }
            batched += n;
            turnChains[taken++] = chain;
        }
        if (taken == 0) return;
        PageRanges.Result r = PageRanges.of(pfns, batched, memory);
        invalidPfns.add(r.invalid() + r.duplicates());
        if (q == INFLATE) release(r);
        else deflatedPages.add(r.pages());   // without MUST_TELL_HOST the guest reuses them at once; they fault back in
        for (int i = 0; i < taken; i++) {
            complete(queue, turnChains[i], 0);
            turnChains[i] = null;
        }
    }

    private void release(PageRanges.Result r) {
        for (PageRanges.Range range : r.ranges()) {
            try {
                releaser.release(GuestAddress.of(range.start()), range.len());
                releaseCalls.increment();
                inflatedPages.add(range.len() / PageRanges.PAGE_SIZE);
            } catch (RuntimeException e) {
                releaseErrors.increment();   // the pages stay resident; the guest's balloon is still correct
            }
        }
    }

    private void takeStats() {
        if (!queues.isReady(STATS)) return;
        SplitQueue queue = queues.queue(STATS);
        while (worker.mayTakeChain()) {
            Optional<DescriptorChain> next = queue.pop();
            if (next.isEmpty()) {
                if (!queue.enableNotification()) return;
                continue;
            }
            DescriptorChain chain = next.get();
            if (heldStats != null) complete(queue, heldStats, 0);   // a driver that re-posted early: keep the newest
            int len = (int) Math.min(chain.readableLength(), MAX_STATS_BYTES);
            chain.read(0, statsBytes, 0, len);
            latest = GuestMemoryStats.parse(statsBytes, len);
            statsAtNanos = System.nanoTime();
            statsReports.increment();
            heldStats = chain;
            worker.setDeadline(statsAtNanos + statsIntervalS * 1_000_000_000L);
        }
    }
}
