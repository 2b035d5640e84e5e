package dev.flotilla.ops.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One QEMU microvm process of the peer, with the instants ({@link System#nanoTime()}) the benchmark
 * takes: just before the spawn, and when the probe's lines appear on QEMU's stdout (the guest serial).
 * A daemon thread per process reads that output; stderr is merged into it so failures show their cause.
 */
final class QemuVm {

    private static final int TAIL_LINES = 8;

    final long requestNanos;
    final Process process;
    final CompletableFuture<Long> probeLine = new CompletableFuture<>();
    final CompletableFuture<Long> holding = new CompletableFuture<>();
    final CompletableFuture<Integer> exited = new CompletableFuture<>();
    private final Deque<String> tail = new ArrayDeque<>();

    private QemuVm(long requestNanos, Process process) {
        this.requestNanos = requestNanos;
        this.process = process;
    }

    static QemuVm spawn(QemuCommand command) throws IOException {
        List<String> argv = command.argv();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        QemuVm vm = new QemuVm(t0, p);
        Thread reader = new Thread(vm::readOutput, "qemu-out-" + p.pid());
        reader.setDaemon(true);
        reader.start();
        return vm;
    }

    double sinceRequestMs(long nanos) {
        return (nanos - requestNanos) / 1e6;
    }

    long pid() {
        return process.pid();
    }

    boolean bootedAndExitedCleanly() {
        return probeLine.isDone() && exited.getNow(-1) == 0;
    }

    /** Why this process did not boot cleanly, for the failure list. */
    synchronized String failure() {
        return "qemu pid " + process.pid() + ": " + (probeLine.isDone() ? "probe line seen" : "no probe line")
                + ", exit " + (exited.isDone() ? exited.join() : "none yet") + "; output tail: " + String.join("|", tail);
    }

    private void readOutput() {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try (InputStream in = process.getInputStream()) {
            byte[] buf = new byte[4096];
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        onLine(line.toString(StandardCharsets.UTF_8).stripTrailing());
                        line.reset();
                    } else {
                        line.write(buf[i]);
                    }
                }
            }
        } catch (IOException e) {
            remember("(reading QEMU output failed: " + e.getMessage() + ")");
        }
        if (line.size() > 0) onLine(line.toString(StandardCharsets.UTF_8));
        try {
            exited.complete(process.waitFor());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exited.complete(-1);
        }
    }

    private void onLine(String text) {
        long now = System.nanoTime();
        if (text.startsWith(ProbeLines.READY)) probeLine.complete(now);
        else if (text.startsWith(ProbeLines.HOLDING)) holding.complete(now);
        remember(text);
    }

    private synchronized void remember(String text) {
        tail.addLast(text);
        if (tail.size() > TAIL_LINES) tail.removeFirst();
    }
}
