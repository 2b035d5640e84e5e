package dev.flotilla.vm.console;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the console files of many VMs on one platform thread of its own, so a slow, full or failing disk
 * never stalls a vCPU: a console hands its bytes over with {@link Stream#offer} (a copy into a bounded
 * queue; what does not fit is dropped and counted) and this thread appends them to a
 * {@link RotatingConsoleFile} in the console directory.
 *
 * <p>Failures stay here. An open, write or rotation error (ENOSPC, EIO, EACCES ...) is counted, the
 * bytes are dropped, the console keeps its in-memory ring, and the error is logged at most once per
 * {@link #LOG_INTERVAL_NANOS} (with the count since the last line). Below the free-space floor
 * ({@link ConsoleFileLimits#minFreeBytes()}, checked with statvfs before each batch) nothing is written,
 * so consoles cannot take the last free space of a filesystem they share with the desired-state store.
 *
 * <p>Threading: {@link Stream#offer} from any thread (normally a vCPU thread), never blocks beyond a short
 * monitor held only for a copy; the files are touched only by the writer thread.
 */
public final class ConsoleFileWriter implements AutoCloseable {

    /** Bytes one console may have waiting for the writer; beyond it new output is dropped from the file. */
    public static final int MAX_PENDING_BYTES = 64 * 1024;
    static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleFileWriter.class);
    private static final long CLOSE_WAIT_MS = 5_000;

    /** What the writer did since it started: the figures behind the console metrics. */
    public record Stats(long writtenBytes, long droppedBytes, long writeErrors, boolean belowFloor) {}

    private final Path dir;
    private final ConsoleFileLimits limits;
    private final LongSupplier nanoClock;
    private final FileStore store;
    private final LinkedBlockingQueue<Object> ready = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private volatile boolean belowFloor;
    private volatile boolean closed;
    // writer thread only
    private long lastLogNanos;
    private boolean loggedOnce;
    private long errorsSinceLog;
    private boolean floorLogged;
    private boolean pauseLogged;
    private long lastFloorLogNanos;
    private final AtomicLong errorLogLines = new AtomicLong();

    /**
     * Starts the writer thread for consoles in {@code dir} (which must exist).
     *
     * @param nanoClock for the log rate limit
     */
    public ConsoleFileWriter(Path dir, ConsoleFileLimits limits, LongSupplier nanoClock) {
        this.dir = Objects.requireNonNull(dir, "dir");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.store = limits.minFreeBytes() > 0 ? fileStore(dir) : null;
        this.thread = new Thread(this::run, "console-files");
        thread.setDaemon(true);
        thread.start();
    }

    public Path dir() {
        return dir;
    }

    public ConsoleFileLimits limits() {
        return limits;
    }

    /** A console writing to {@code <dir>/<fileName>}; the file is opened by the writer thread on first output. */
    public Stream open(String fileName) {
        Path file = dir.resolve(fileName);
        if (!file.getParent().equals(dir)) {
            throw new IllegalArgumentException("console file name '" + fileName + "' must be a plain file name");
        }
        return new Stream(file);
    }

    /** How many error lines were logged: rate-limited to one per {@link #LOG_INTERVAL_NANOS}. */
    long errorLogLines() {
        return errorLogLines.get();
    }

    public Stats stats() {
        return new Stats(written.get(), dropped.get(), errors.get(), belowFloor);
    }

    /** Writes what was handed over (waiting a few seconds at most), closes every file and ends the thread. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        ready.add(Boolean.FALSE);
        try {
            thread.join(CLOSE_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One console's file: bytes handed over by the console, written by the writer thread. */
    public final class Stream {
        private final Path file;
        // guarded by this
        private ArrayDeque<byte[]> pending = new ArrayDeque<>();
        private int pendingBytes;
        private boolean queued;
        private boolean closing;
        private final List<CompletableFuture<Void>> flushWaiters = new ArrayList<>();
        private final AtomicLong streamErrors = new AtomicLong();
        private volatile String firstError;
        // writer thread only
        private RotatingConsoleFile out;
        private boolean openFailed;

        private Stream(Path file) {
            this.file = file;
        }

        public Path file() {
            return file;
        }

        /**
         * Hands {@code len} bytes over for the file. Never blocks on I/O.
         *
         * @return false if they were dropped (the writer is behind by {@link #MAX_PENDING_BYTES}, or closed)
         */
        public boolean offer(byte[] data, int off, int len) {
            Objects.checkFromIndexSize(off, len, data.length);
            if (len == 0) return true;
            synchronized (this) {
                if (closing || closed || pendingBytes + len > MAX_PENDING_BYTES) {
                    dropped.addAndGet(len);
                    return false;
                }
                byte[] copy = new byte[len];
                System.arraycopy(data, off, copy, 0, len);
                pending.add(copy);
                pendingBytes += len;
                enqueue();
            }
            return true;
        }

        /** Completes once everything offered before the call has been written (or failed). */
        public CompletableFuture<Void> flushed() {
            CompletableFuture<Void> f = new CompletableFuture<>();
            synchronized (this) {
                if (closed && !thread.isAlive()) {
                    f.complete(null);
                    return f;
                }
                flushWaiters.add(f);
                enqueue();
            }
            return f;
        }

        /** The file is closed once what was handed over is written; later offers are dropped. */
        public void close() {
            synchronized (this) {
                closing = true;
                enqueue();
            }
        }

        /** Failed opens, appends and rotations of this console's file. */
        public long errors() {
            return streamErrors.get();
        }

        public Optional<String> firstError() {
            return Optional.ofNullable(firstError);
        }

        private void enqueue() {
            if (!queued) {
                queued = true;
                ready.add(this);
            }
        }

        /** Writer thread: takes what is pending and writes it. */
        private void drain() {
            ArrayDeque<byte[]> batch;
            List<CompletableFuture<Void>> waiters;
            boolean close;
            synchronized (this) {
                batch = pending;
                pending = new ArrayDeque<>();
                pendingBytes = 0;
                queued = false;
                waiters = List.copyOf(flushWaiters);
                flushWaiters.clear();
                close = closing;
            }
            long bytes = batch.stream().mapToLong(b -> b.length).sum();
            if (bytes > 0) write(batch, bytes);
            if (close && out != null) {
                try {
                    out.close();
                } catch (IOException e) {
                    failed(this, "closing", e);
                }
                out = null;
            }
            waiters.forEach(w -> w.complete(null));
        }

        private void write(ArrayDeque<byte[]> batch, long bytes) {
            if (belowFloor()) {
                dropped.addAndGet(bytes);
                return;
            }
            if (out == null) {
                if (openFailed) {
                    dropped.addAndGet(bytes);
                    return;
                }
                try {
                    out = new RotatingConsoleFile(file, limits);
                } catch (IOException e) {
                    openFailed = true;   // not retried per line: one error per console, not one per line
                    dropped.addAndGet(bytes);
                    failed(this, "opening", e);
                    return;
                }
            }
            ByteBuffer all = ByteBuffer.allocate((int) bytes);
            batch.forEach(all::put);
            all.flip();
            try {
                out.append(all);
                written.addAndGet(bytes);
            } catch (IOException e) {
                dropped.addAndGet(bytes);
                failed(this, "appending to", e);
            }
        }
    }

    private void run() {
        try {
            while (true) {
                Object next = ready.take();
                if (next instanceof Stream s) {
                    s.drain();
                } else if (ready.isEmpty()) {
                    return;   // closed and everything handed over before the close is written
                } else {
                    ready.add(next);   // the close marker goes behind what is still queued
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            LOG.atError().setCause(e).log("console file writer failed; console output is kept in memory only from now on");
        }
    }

    /** statvfs on the console directory's filesystem; logs (rate-limited) when the state changes. */
    private boolean belowFloor() {
        if (store == null) return false;
        long free;
        try {
            free = store.getUsableSpace();
        } catch (IOException e) {
            return false;   // cannot tell: the write itself will say what is wrong
        }
        boolean below = free < limits.minFreeBytes();
        if (below != belowFloor) {
            belowFloor = below;
            long now = nanoClock.getAsLong();
            // free space hovering around the floor must not flood the log: one pause line a minute at most
            if (below && (!floorLogged || now - lastFloorLogNanos >= LOG_INTERVAL_NANOS)) {
                floorLogged = true;
                lastFloorLogNanos = now;
                pauseLogged = true;
                LOG.atWarn().addKeyValue("dir", dir.toString()).addKeyValue("free_bytes", free)
                        .addKeyValue("floor_bytes", limits.minFreeBytes())
                        .log("console files paused: {} has {} bytes free, under the floor of {} "
                                + "(flotilla.serve.console-min-free); console output is kept in memory only until space "
                                + "is freed", dir, free, limits.minFreeBytes());
            } else if (!below && pauseLogged) {
                pauseLogged = false;
                LOG.atInfo().addKeyValue("dir", dir.toString()).log("console files resumed: {} has free space again", dir);
            }
        }
        return below;
    }

    private void failed(Stream s, String doing, IOException e) {
        errors.incrementAndGet();
        s.streamErrors.incrementAndGet();
        String what = doing + " console file " + s.file + " failed: " + e;
        if (s.firstError == null) s.firstError = what;
        errorsSinceLog++;
        long now = nanoClock.getAsLong();
        if (!loggedOnce || now - lastLogNanos >= LOG_INTERVAL_NANOS) {
            LOG.atWarn().addKeyValue("file", s.file.toString()).addKeyValue("errors", errorsSinceLog)
                    .addKeyValue("errors_total", errors.get())
                    .log("{}; console output is still kept in memory ({} console file error(s) since the last such line, "
                            + "at most one line a minute)", what, errorsSinceLog);
            loggedOnce = true;
            errorLogLines.incrementAndGet();
            lastLogNanos = now;
            errorsSinceLog = 0;
        }
    }

    private static FileStore fileStore(Path dir) {
        try {
            return Files.getFileStore(dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot find the filesystem of console directory " + dir + " (" + e
                    + "); create it, or set flotilla.serve.console-dir to a directory that exists", e);
        }
    }
}
