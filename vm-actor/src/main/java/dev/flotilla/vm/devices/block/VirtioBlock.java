package dev.flotilla.vm.devices.block;

import dev.flotilla.kvm.hostfs.HostFiles;
import dev.flotilla.kvm.memory.GuestMemory;
import dev.flotilla.kvm.memory.MmapGuestMemory;
import dev.flotilla.kvm.sys.VectoredIo;
import dev.flotilla.vm.config.DriveConfig;
import dev.flotilla.vm.config.InvalidConfigException;
import dev.flotilla.vm.config.RateLimiterConfig;
import dev.flotilla.vm.devices.DeviceUpdate;
import dev.flotilla.vm.devices.LiveDevice;
import dev.flotilla.vm.ratelimit.RateLimiter;
import dev.flotilla.vm.virtio.DescriptorChain;
import dev.flotilla.vm.virtio.GuestSegment;
import dev.flotilla.vm.virtio.Interrupts;
import dev.flotilla.vm.virtio.SplitQueue;
import dev.flotilla.vm.virtio.VirtioFeatures;
import dev.flotilla.vm.virtio.WorkerBackedDevice;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * virtio-blk (device type 2) over a host file, with Firecracker's drive semantics: read-write or
 * read-only (VIRTIO_BLK_F_RO; a guest write gets IOERR and the file is untouched), IN / OUT / FLUSH
 * (fsync) / GET_ID (the drive id as a 20-byte serial), anything else answered UNSUPP. Data moves
 * straight between the file and guest RAM, one request at a time on the device worker: one
 * {@code preadv}/{@code pwritev} per request over the guest buffers' host addresses when guest
 * memory is mmap'd (a real VM), else {@code FileChannel} positional I/O on {@code GuestMemory.slice}
 * views (heap memory in tests).
 *
 * <p><b>Guest input.</b> Every request is validated before any I/O ({@link BlockRequest#parse}); a
 * malformed one gets IOERR if it has a status byte (else it is completed with length 0), is counted
 * in {@link #metrics()}, and never throws. A host-side failure (EIO, a full disk, a truncated file)
 * fails that request with IOERR, is counted and logged and goes to {@link #onIoError}; the device
 * keeps serving.
 *
 * <p><b>Control plane, any thread.</b> {@link #swapBackingFile} (Firecracker's PATCH /drives) and
 * {@link #updateRateLimiter}. The worker serves each request holding {@code requestLock}; a swap is
 * installed by whoever next holds that lock with a swap pending — the caller itself when the
 * worker is idle, else the worker right after its current request — so no request ever spans two
 * files, and the caller never waits for guest I/O.
 */
public final class VirtioBlock extends WorkerBackedDevice implements LiveDevice {

    private static final Logger log = LoggerFactory.getLogger(VirtioBlock.class);

    public static final int DEVICE_TYPE = 2;
    public static final int QUEUE_SIZE = 256;
    /** Length of the GET_ID answer (VIRTIO_BLK_ID_BYTES). */
    public static final int SERIAL_BYTES = 20;

    public static final long F_SEG_MAX = 1L << 2;
    public static final long F_RO = 1L << 5;
    public static final long F_BLK_SIZE = 1L << 6;
    public static final long F_FLUSH = 1L << 9;

    /** Data segments one request may have: the queue size less header and status (what Linux sizes its lists by). */
    static final int SEG_MAX = QUEUE_SIZE - 2;
    /** virtio_blk_config up to blk_size: capacity u64 @0, size_max @8, seg_max @12, geometry @16, blk_size @20. */
    private static final int CONFIG_SIZE = 24;
    /** SEG_MAX data segments, plus room for a few cut at memory-chunk edges, before the array grows. */
    private static final int IOVECS_INITIAL = SEG_MAX + 2;

    private final String driveId;
    /** Where a swapped-in file is opened: the same roots as the first one. */
    private final HostFiles files;
    private final boolean readOnly;
    private final byte[] serial;
    private final RateLimiter limiter;
    private final BlockMetrics metrics = new BlockMetrics();
    private final ReentrantLock requestLock = new ReentrantLock();
    private final AtomicReference<PendingSwap> pending = new AtomicReference<>();
    private volatile Consumer<BackingFileException> ioErrorListener = e -> { };

    /** Guarded by requestLock. */
    private BackingFile backing;
    /** Guarded by requestLock: reused by every request, freed by close(). */
    private VectoredIo iovecs;
    /** Guarded by requestLock: set by close(), after which swaps are refused. */
    private boolean closed;
    /** What the config space shows; follows {@link #backing}. */
    private volatile long capacitySectors;
    /** FLUSH not negotiated: the driver expects a write-through disk, so every write is followed by fsync. */
    private volatile boolean writeThrough;

    private record PendingSwap(BackingFile file, CompletableFuture<Long> done) {
    }

    /**
     * @param workerName the worker thread's name ({@code virtio-<vm>-blk-<drive>})
     * @param backing    the opened file; the device owns it from now on
     */
    public VirtioBlock(String workerName, String driveId, BackingFile backing, Optional<RateLimiter> limiter) {
        this(workerName, driveId, backing, limiter, HostFiles.unconfined());
    }

    /** @param files where {@link #swapBackingFile} opens a new file (the roots the first one was opened under) */
    public VirtioBlock(String workerName, String driveId, BackingFile backing, Optional<RateLimiter> limiter, HostFiles files) {
        super(workerName, 1);
        this.files = Objects.requireNonNull(files, "files");
        this.driveId = Objects.requireNonNull(driveId, "driveId");
        this.backing = Objects.requireNonNull(backing, "backing");
        this.readOnly = backing.readOnly();
        this.capacitySectors = backing.capacitySectors();
        this.serial = Arrays.copyOf(driveId.getBytes(StandardCharsets.US_ASCII), SERIAL_BYTES);
        this.limiter = limiter.orElseGet(RateLimiter::unlimited);
    }

    /**
     * Opens the drive's backing file beneath its root in {@code files} and builds the device.
     *
     * @throws IOException naming the file and what to do, if it cannot be opened or is not a disk image
     */
    public static VirtioBlock open(String workerName, DriveConfig drive, HostFiles files) throws IOException {
        BackingFile file = BackingFile.open(files, drive.pathOnHost(), drive.isReadOnly());
        try {
            return new VirtioBlock(workerName, drive.driveId(), file, drive.rateLimiter().map(RateLimiterConfig::newLimiter), files);
        } catch (RuntimeException | Error e) {
            file.close();
            throw e;
        }
    }

    public String driveId() {
        return driveId;
    }

    public boolean readOnly() {
        return readOnly;
    }

    /** The disk size the guest is shown, in 512-byte sectors. */
    public long capacitySectors() {
        return capacitySectors;
    }

    public BlockMetrics metrics() {
        return metrics;
    }

    public RateLimiter limiter() {
        return limiter;
    }

    /** Where host I/O failures go (the device's actor); called on the worker thread, must not block. */
    public void onIoError(Consumer<BackingFileException> listener) {
        this.ioErrorListener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Swaps the backing file while the VM runs (Firecracker's PATCH /drives/{id} path_on_host): opens
     * {@code path} with the drive's read-only setting, installs it between two requests, shows its
     * size in the config space and raises the config-change interrupt. Any thread; does not wait for
     * guest I/O.
     *
     * @return completes with the new capacity in sectors once installed (or exceptionally if a later
     *         swap superseded this one before it was installed)
     * @throws IOException if the new file cannot be opened; the old one stays in use
     */
    public CompletableFuture<Long> swapBackingFile(Path path) throws IOException {
        BackingFile next = BackingFile.open(files, path, readOnly);
        PendingSwap swap = new PendingSwap(next, new CompletableFuture<>());
        PendingSwap superseded = pending.getAndSet(swap);
        if (superseded != null) {
            superseded.file().close();
            superseded.done().completeExceptionally(new IOException("swap of drive " + driveId + " to "
                    + superseded.file().path() + " was superseded by a swap to " + path + " before it was installed"));
        }
        installPendingSwap();
        return swap.done();
    }

    /**
     * Applies a rate-limiter PATCH (a present bucket replaces the live one, an absent one is kept)
     * and wakes the worker so a throttled queue re-checks against the new limits at once. Any thread.
     */
    public void updateRateLimiter(RateLimiterConfig config) {
        config.applyTo(limiter);
        worker.setDeadline(System.nanoTime());
    }

    /** Firecracker's block metric names where they exist ({@link BlockMetrics#counters()}), plus host I/O errors. */
    @Override
    public java.util.Map<String, Long> counters() {
        java.util.Map<String, Long> c = new java.util.TreeMap<>(metrics().counters());
        c.put("io_errors", metrics().ioErrorsTotal());
        return c;
    }

    /**
     * PATCH /drives/{id}: a new backing file (when the path changed) and/or a new rate limiter. Completes
     * once the new file is installed, so the caller's 204 means the guest has been told.
     */
    @Override
    public java.util.concurrent.CompletionStage<Void> apply(DeviceUpdate update) {
        if (!(update instanceof DeviceUpdate.Drive d) || !d.drive().driveId().equals(driveId)) {
            throw new InvalidConfigException("drive_id", "drive '" + driveId + "' takes only its own drive updates");
        }
        d.drive().rateLimiter().ifPresent(this::updateRateLimiter);
        if (!d.pathChanged()) return CompletableFuture.completedFuture(null);
        try {
            return swapBackingFile(d.drive().pathOnHost()).thenApply(capacity -> null);
        } catch (IOException e) {
            throw new InvalidConfigException("path_on_host", "cannot use " + d.drive().pathOnHost()
                    + " as the new backing file of drive '" + driveId + "': " + e.getMessage());
        }
    }

    /**
     * The device's snapshot state. Take it with the vCPUs paused (a swap still pending is not part
     * of it: it was not installed, so the guest never saw it).
     */
    public BlockState save() {
        requestLock.lock();
        try {
            return new BlockState(driveId, backing.path(), readOnly, capacitySectors);
        } finally {
            requestLock.unlock();
        }
    }

    /**
     * Rebuilds a device from its snapshot state, re-opening the file it was using; the transport is
     * restored around it afterwards ({@code VirtioMmioTransport.restore}).
     *
     * @throws IOException if the file cannot be opened or no longer has the size the guest knew
     */
    public static VirtioBlock restore(String workerName, BlockState state, Optional<RateLimiter> limiter) throws IOException {
        return restore(workerName, state, limiter, HostFiles.unconfined());
    }

    /** As {@link #restore(String, BlockState, Optional)}, opening the file beneath its root in {@code files}. */
    public static VirtioBlock restore(String workerName, BlockState state, Optional<RateLimiter> limiter, HostFiles files)
            throws IOException {
        BackingFile file = BackingFile.open(files, state.pathOnHost(), state.readOnly());
        try {
            if (file.capacitySectors() != state.capacitySectors()) {
                throw new IOException("cannot restore drive " + state.driveId() + ": backing file " + state.pathOnHost()
                        + " has " + file.capacitySectors() + " sectors, the snapshot's guest knew " + state.capacitySectors()
                        + "; restore with the file as it was when the snapshot was taken");
            }
            return new VirtioBlock(workerName, state.driveId(), file, limiter, files);
        } catch (IOException | RuntimeException | Error e) {
            file.close();
            throw e;
        }
    }

    @Override
    public int deviceType() {
        return DEVICE_TYPE;
    }

    @Override
    public long deviceFeatures() {
        return F_SEG_MAX | F_BLK_SIZE | F_FLUSH | (readOnly ? F_RO : 0)
                | VirtioFeatures.RING_INDIRECT_DESC | VirtioFeatures.RING_EVENT_IDX;
    }

    @Override
    public int queueMaxSize(int q) {
        return QUEUE_SIZE;
    }

    @Override
    public void readConfig(long offset, byte[] data) {
        byte[] config = new byte[CONFIG_SIZE];
        long cap = capacitySectors;
        for (int i = 0; i < 8; i++) config[i] = (byte) (cap >>> (8 * i));
        putLe32(config, 12, SEG_MAX);
        putLe32(config, 20, BackingFile.SECTOR_SIZE);
        if (offset < 0 || offset >= CONFIG_SIZE) return;
        System.arraycopy(config, (int) offset, data, 0, (int) Math.min(data.length, CONFIG_SIZE - offset));
    }

    @Override
    public void writeConfig(long offset, byte[] data) {
        // every field we expose is read-only (no writeback-cache toggle)
    }

    @Override
    protected void activated() {
        writeThrough = !queues.hasFeature(F_FLUSH);
    }

    @Override
    public void queueKicked(int q) {
        drain();
    }

    @Override
    public void deadlineReached() {
        drain();   // tokens are back, or the limits changed
    }

    private enum Step { SERVED, EMPTY, THROTTLED }

    private void drain() {
        SplitQueue queue = queues.queue(0);
        while (true) {
            Step step;
            requestLock.lock();
            try {
                step = serveNext(queue);
            } finally {
                requestLock.unlock();
            }
            installPendingSwap();
            if (step == Step.THROTTLED) return;
            if (step == Step.EMPTY && !queue.enableNotification()) return;   // nothing came in while re-enabling
        }
    }

    /** Pops and serves one request. Holds requestLock. */
    private Step serveNext(SplitQueue queue) {
        Optional<DescriptorChain> next = queue.pop();
        if (next.isEmpty()) return Step.EMPTY;
        DescriptorChain chain = next.get();
        BlockRequest.Parsed parsed = BlockRequest.parse(chain, capacitySectors);
        if (parsed instanceof BlockRequest.Refused r) {
            metrics.recordMalformed(r.fault());
            log.atDebug().addKeyValue("device", name).log("{}: refused request: {}", name, r.detail());
            if (r.hasStatus()) {
                finish(queue, chain, BlockRequest.S_IOERR);
            } else {
                complete(queue, chain, 0);
            }
            return Step.SERVED;
        }
        BlockRequest request = ((BlockRequest.Valid) parsed).request();
        if (!limiter.consume(request.chargedBytes())) {
            queue.undoPop();
            metrics.recordThrottled();
            worker.setDeadline(System.nanoTime() + limiter.nanosUntilRetry());
            return Step.THROTTLED;
        }
        finish(queue, chain, serve(chain, request));
        return Step.SERVED;
    }

    /** Carries out a valid request; returns its status. Holds requestLock. */
    private int serve(DescriptorChain chain, BlockRequest r) {
        long offset = r.sector() * BackingFile.SECTOR_SIZE;
        try {
            switch (r.type()) {
                case IN:
                    readData(offset, chain.writableSegments(), 0, r.dataLength());
                    metrics.recordRead(r.dataLength());
                    return BlockRequest.S_OK;
                case OUT:
                    if (readOnly) {
                        metrics.recordReadOnlyRefusal();
                        return BlockRequest.S_IOERR;
                    }
                    writeData(offset, chain.readableSegments(), BlockRequest.HEADER_SIZE, r.dataLength());
                    if (writeThrough) backing.flush();
                    metrics.recordWrite(r.dataLength());
                    return BlockRequest.S_OK;
                case FLUSH:
                    if (!readOnly) backing.flush();   // nothing of ours to persist on a read-only file
                    metrics.recordFlush();
                    return BlockRequest.S_OK;
                case GET_ID:
                    chain.write(0, serial, 0, (int) Math.min(SERIAL_BYTES, r.dataLength()));
                    metrics.recordGetId();
                    return BlockRequest.S_OK;
                default:
                    metrics.recordUnsupported();
                    return BlockRequest.S_UNSUPP;
            }
        } catch (BackingFileException e) {
            reportIoError(e);
            return BlockRequest.S_IOERR;
        }
    }

    /**
     * Reads the file into bytes {@code [skip, skip+len)} of {@code segments}: one preadv straight into
     * guest RAM at host addresses when the memory is mmap'd (a real VM), else FileChannel reads into
     * ByteBuffer views (heap memory in tests). Holds requestLock.
     */
    private void readData(long offset, List<GuestSegment> segments, long skip, long len) throws BackingFileException {
        GuestMemory mem = memory;
        if (mem instanceof MmapGuestMemory mapped && backing.hasRawFd()) {
            backing.read(offset, GuestBuffers.iovecs(mapped, segments, skip, len, iovecs()));
        } else {
            backing.read(offset, GuestBuffers.views(mem, segments, skip, len));
        }
    }

    /** Writes bytes {@code [skip, skip+len)} of {@code segments} to the file, as {@link #readData} reads. Holds requestLock. */
    private void writeData(long offset, List<GuestSegment> segments, long skip, long len) throws BackingFileException {
        GuestMemory mem = memory;
        if (mem instanceof MmapGuestMemory mapped && backing.hasRawFd()) {
            backing.write(offset, GuestBuffers.iovecs(mapped, segments, skip, len, iovecs()));
        } else {
            backing.write(offset, GuestBuffers.views(mem, segments, skip, len));
        }
    }

    /** The worker's iovec array, made on first use (heap-memory devices never need one). Holds requestLock. */
    private VectoredIo iovecs() {
        if (iovecs == null) iovecs = new VectoredIo(IOVECS_INITIAL);
        return iovecs;
    }

    /**
     * Writes the status as the chain's last writable byte and completes it. The used length covers
     * the whole writable part: the status sits at its end, and the data before it was written (or,
     * on error, may have been).
     */
    private void finish(SplitQueue queue, DescriptorChain chain, int status) {
        long writable = chain.writableLength();
        chain.write(writable - 1, new byte[] {(byte) status}, 0, 1);
        complete(queue, chain, (int) writable);
    }

    private void reportIoError(BackingFileException e) {
        metrics.recordIoError(e.kind());
        long n = metrics.ioErrors(e.kind());
        // Logged at 1, 2, 4, 8... per kind: a failing disk must not flood the log at request rate.
        if (Long.bitCount(n) == 1) {
            log.atWarn().addKeyValue("device", name).addKeyValue("kind", e.kind()).addKeyValue("count", n)
                    .log("{}: request failed with IOERR to the guest ({} so far of kind {}): {}", name, n, e.kind(), e.getMessage());
        }
        try {
            ioErrorListener.accept(e);
        } catch (RuntimeException listenerFailure) {
            log.atWarn().setCause(listenerFailure).log("{}: I/O error listener failed", name);
        }
    }

    /** Installs the pending swap if nobody is mid-request; whoever holds the lock re-checks after releasing it. */
    private void installPendingSwap() {
        while (pending.get() != null && requestLock.tryLock()) {
            try {
                PendingSwap swap = pending.getAndSet(null);
                if (swap != null) install(swap);
            } finally {
                requestLock.unlock();
            }
        }
    }

    /** Holds requestLock. */
    private void install(PendingSwap swap) {
        if (closed) {
            swap.file().close();
            swap.done().completeExceptionally(new IOException("drive " + driveId + " is closed: swap to "
                    + swap.file().path() + " not installed"));
            return;
        }
        BackingFile old = backing;
        backing = swap.file();
        capacitySectors = swap.file().capacitySectors();
        metrics.recordSwap();
        old.close();
        log.atInfo().addKeyValue("device", name).log("{}: backing file swapped from {} to {}", name, old, swap.file());
        Interrupts irq = interrupts;
        if (irq != null) irq.signalConfigChange();
        swap.done().complete(capacitySectors);
    }

    @Override
    public void close() {
        super.close();
        requestLock.lock();
        try {
            closed = true;
            backing.close();
            if (iovecs != null) iovecs.close();
            PendingSwap swap = pending.getAndSet(null);
            if (swap != null) {
                swap.file().close();
                swap.done().completeExceptionally(new IOException("drive " + driveId + " closed before the swap to "
                        + swap.file().path() + " was installed"));
            }
        } finally {
            requestLock.unlock();
        }
    }

    private static void putLe32(byte[] b, int o, int v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >>> 8);
        b[o + 2] = (byte) (v >>> 16);
        b[o + 3] = (byte) (v >>> 24);
    }
}
