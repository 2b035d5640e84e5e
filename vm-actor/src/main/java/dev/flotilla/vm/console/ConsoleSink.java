package dev.flotilla.vm.console;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One VM's console output: what the guest wrote to its serial port.
 *
 * <p>Keeps the most recent bytes in a fixed ring (older bytes are dropped and counted), optionally
 * hands everything to a console file ({@link ConsoleFileWriter}: written on its own thread, size-capped
 * and rotated), and cuts the stream into lines for listeners and waiters.
 *
 * <p>Threading: all methods are thread-safe (one monitor). Writes come from the device's thread,
 * normally a vCPU thread, so the write path never throws and never blocks on file I/O: bytes for the
 * file are copied to the file writer, whose errors are counted there and logged rate-limited. Line
 * listeners run on the guest's writing thread with the monitor held, in output order: they must be quick and must not wait for another thread that
 * uses this sink. {@link #awaitLine} futures are completed after the monitor is released, so their
 * dependent stages never run under it.
 */
public final class ConsoleSink implements AutoCloseable {

    /** Ring size used by {@link #inMemory()}: enough for a kernel's boot log tail. */
    public static final int DEFAULT_CAPACITY = 64 * 1024;
    /** Lines longer than this many bytes are delivered in pieces of this size. */
    public static final int MAX_LINE_BYTES = 4096;

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleSink.class);
    private static final int FILE_BUFFER_BYTES = 8192;
    private static final long FLUSH_WAIT_SECONDS = 10;

    private final byte[] ring;
    private long totalBytes;

    private final byte[] line = new byte[MAX_LINE_BYTES];
    private int lineLength;

    private final List<Consumer<String>> lineListeners = new CopyOnWriteArrayList<>();
    private final List<LineWaiter> waiters = new ArrayList<>();

    private final ConsoleFileWriter.Stream file;
    /** Set when this sink made its own writer ({@link #appendingTo}) and so closes it. */
    private final ConsoleFileWriter ownWriter;
    private final ByteBuffer fileBuffer;
    private boolean closed;

    private record LineWaiter(Predicate<String> predicate, CompletableFuture<String> future) {
    }

    /**
     * @param capacityBytes size of the in-memory ring, at least 1
     * @param file          a console file to hand the output to as well, or null for memory only
     */
    public ConsoleSink(int capacityBytes, ConsoleFileWriter.Stream file) {
        this(capacityBytes, file, null);
    }

    private ConsoleSink(int capacityBytes, ConsoleFileWriter.Stream file, ConsoleFileWriter ownWriter) {
        if (capacityBytes < 1) {
            throw new IllegalArgumentException("ConsoleSink: capacity " + capacityBytes + " must be at least 1 byte");
        }
        this.ring = new byte[capacityBytes];
        this.file = file;
        this.ownWriter = ownWriter;
        this.fileBuffer = file == null ? null : ByteBuffer.allocate(FILE_BUFFER_BYTES);
    }

    /** A sink with a {@link #DEFAULT_CAPACITY} ring and no file. */
    public static ConsoleSink inMemory() {
        return new ConsoleSink(DEFAULT_CAPACITY, null, null);
    }

    /** A sink with a {@link #DEFAULT_CAPACITY} ring whose output also goes to {@code stream}'s file. */
    public static ConsoleSink writingTo(ConsoleFileWriter.Stream stream) {
        return new ConsoleSink(DEFAULT_CAPACITY, Objects.requireNonNull(stream, "stream"), null);
    }

    /**
     * A sink with a {@link #DEFAULT_CAPACITY} ring that also appends everything to {@code file} (no size cap:
     * a file the user named), through a writer thread of its own that {@link #close} ends.
     *
     * @throws UncheckedIOException if the file cannot be opened for append (names the path)
     */
    public static ConsoleSink appendingTo(Path file) {
        Objects.requireNonNull(file, "file");
        try {
            // opened once here so a bad path is the caller's error now, not a count in a log later
            FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND).close();
        } catch (IOException e) {
            throw new UncheckedIOException("ConsoleSink: cannot open console file " + file
                    + " for append (" + e + "); check that its directory exists and is writable", e);
        }
        Path absolute = file.toAbsolutePath();
        ConsoleFileWriter writer = new ConsoleFileWriter(absolute.getParent(), ConsoleFileLimits.UNLIMITED, System::nanoTime);
        return new ConsoleSink(DEFAULT_CAPACITY, writer.open(absolute.getFileName().toString()), writer);
    }

    /** Takes one byte of guest output. Never throws. */
    public void write(byte b) {
        List<Runnable> settle;
        synchronized (this) {
            if (closed) {
                return;
            }
            String completedLine = accept(b);
            if (completedLine == null) {
                return;
            }
            settle = takeMatchingWaiters(completedLine);
        }
        settle.forEach(Runnable::run);
    }

    /** Takes {@code len} bytes of guest output starting at {@code off}. Never throws on I/O. */
    public void write(byte[] data, int off, int len) {
        Objects.checkFromIndexSize(off, len, data.length);
        for (int i = 0; i < len; i++) {
            write(data[off + i]);
        }
    }

    /** The ring's content decoded as UTF-8 (malformed bytes become U+FFFD). */
    public synchronized String snapshot() {
        return new String(ringBytes(), StandardCharsets.UTF_8);
    }

    /** At most the last {@code maxBytes} bytes of the ring, decoded as UTF-8. */
    public synchronized String tail(int maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("ConsoleSink.tail: maxBytes " + maxBytes + " is negative");
        }
        byte[] all = ringBytes();
        int from = Math.max(0, all.length - maxBytes);
        return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    }

    /** The last {@code count} complete lines still in the ring, oldest first, without line ends. */
    public synchronized List<String> tailLines(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("ConsoleSink.tailLines: count " + count + " is negative");
        }
        List<String> lines = completeLinesInRing();
        return List.copyOf(lines.subList(Math.max(0, lines.size() - count), lines.size()));
    }

    /** Bytes the guest has written since the sink was made. */
    public synchronized long totalBytes() {
        return totalBytes;
    }

    /** Bytes that fell out of the ring because newer output overwrote them. */
    public synchronized long droppedBytes() {
        return Math.max(0, totalBytes - ring.length);
    }

    /** How many opens, appends or rotations of the file failed so far (0 without a file). */
    public long fileWriteFailures() {
        return file == null ? 0 : file.errors();
    }

    /** The first file error, if any: for the VM's status and metrics. */
    public Optional<String> firstFileError() {
        return file == null ? Optional.empty() : file.firstError();
    }

    /**
     * Calls {@code listener} with each complete line from now on (without its "\n" or "\r\n"),
     * on the writer's thread. A line longer than {@link #MAX_LINE_BYTES} arrives in pieces.
     *
     * @return closing it removes the listener
     */
    public AutoCloseable addLineListener(Consumer<String> listener) {
        Objects.requireNonNull(listener, "listener");
        lineListeners.add(listener);
        return () -> lineListeners.remove(listener);
    }

    /**
     * A future completed with the first line that matches {@code predicate}: a complete line still in
     * the ring (the oldest match) or a later one. Bound it with {@code orTimeout}; cancelling it or
     * letting it time out forgets the waiter. A predicate that throws fails the future.
     */
    public CompletableFuture<String> awaitLine(Predicate<String> predicate) {
        Objects.requireNonNull(predicate, "predicate");
        CompletableFuture<String> future = new CompletableFuture<>();
        synchronized (this) {
            for (String seen : completeLinesInRing()) {
                try {
                    if (predicate.test(seen)) {
                        future.complete(seen);
                        return future;
                    }
                } catch (RuntimeException e) {
                    future.completeExceptionally(e);
                    return future;
                }
            }
            LineWaiter waiter = new LineWaiter(predicate, future);
            waiters.add(waiter);
            future.whenComplete((line, failure) -> forget(waiter));
        }
        return future;
    }

    /**
     * Pushes buffered file output (including a partial last line) to the file and waits, a few seconds at
     * most, until the writer has written it. Blocks: not for a vCPU thread.
     */
    public void flush() {
        CompletableFuture<Void> written;
        synchronized (this) {
            flushFile();
            if (file == null) return;
            written = file.flushed();
        }
        try {
            written.get(FLUSH_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("console file {} not written within {} s; its writer is behind", file.file(), FLUSH_WAIT_SECONDS);
        }
    }

    /**
     * Hands buffered output to the file and closes it once written (without waiting, unless this sink made
     * its own writer); later writes are ignored. Waiters stay pending.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            flushFile();
            closed = true;
            if (file != null) file.close();
        }
        if (ownWriter != null) ownWriter.close();
    }

    private synchronized void forget(LineWaiter waiter) {
        waiters.remove(waiter);
    }

    /** Stores the byte; returns the completed line if this byte completed one, else null. */
    private String accept(byte b) {
        ring[(int) (totalBytes % ring.length)] = b;
        totalBytes++;
        if (fileBuffer != null) {
            fileBuffer.put(b);
            if (b == '\n' || !fileBuffer.hasRemaining()) {
                flushFile();
            }
        }
        if (b == '\n') {
            return emitLine();
        }
        line[lineLength++] = b;
        return lineLength == MAX_LINE_BYTES ? emitLine() : null;
    }

    private String emitLine() {
        int length = lineLength;
        if (length > 0 && line[length - 1] == '\r') {
            length--;
        }
        String text = new String(line, 0, length, StandardCharsets.UTF_8);
        lineLength = 0;
        for (Consumer<String> listener : lineListeners) {
            try {
                listener.accept(text);
            } catch (RuntimeException e) {
                // A faulty listener must not take the guest's vCPU down with it.
                LOG.warn("console line listener {} failed", listener, e);
            }
        }
        return text;
    }

    /** Removes the waiters this line settles; the caller completes them once the monitor is released. */
    private List<Runnable> takeMatchingWaiters(String text) {
        if (waiters.isEmpty()) {
            return List.of();
        }
        List<Runnable> settle = new ArrayList<>();
        for (var it = waiters.iterator(); it.hasNext();) {
            LineWaiter waiter = it.next();
            try {
                if (waiter.predicate().test(text)) {
                    it.remove();
                    settle.add(() -> waiter.future().complete(text));
                }
            } catch (RuntimeException e) {
                it.remove();
                settle.add(() -> waiter.future().completeExceptionally(e));
            }
        }
        return settle;
    }

    private byte[] ringBytes() {
        if (totalBytes <= ring.length) {
            byte[] copy = new byte[(int) totalBytes];
            System.arraycopy(ring, 0, copy, 0, copy.length);
            return copy;
        }
        int start = (int) (totalBytes % ring.length);
        byte[] copy = new byte[ring.length];
        System.arraycopy(ring, start, copy, 0, ring.length - start);
        System.arraycopy(ring, 0, copy, ring.length - start, start);
        return copy;
    }

    private List<String> completeLinesInRing() {
        byte[] bytes = ringBytes();
        List<String> lines = new ArrayList<>();
        int start = 0;
        // After a wrap the first line in the ring has lost its beginning: it is not a line seen whole.
        boolean skipFirst = droppedBytes() > 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != '\n') {
                continue;
            }
            if (!skipFirst) {
                int end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
                lines.add(new String(bytes, start, end - start, StandardCharsets.UTF_8));
            }
            skipFirst = false;
            start = i + 1;
        }
        return lines;
    }

    /** Copies the buffered bytes to the file's writer: no I/O on this (the guest's) thread. */
    private void flushFile() {
        if (file == null || closed || fileBuffer.position() == 0) {
            return;
        }
        file.offer(fileBuffer.array(), 0, fileBuffer.position());
        fileBuffer.clear();
    }
}
