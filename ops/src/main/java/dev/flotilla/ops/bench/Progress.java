package dev.flotilla.ops.bench;

import java.io.PrintStream;

/** Progress lines on stderr: one per phase start, then about every tenth of its items. */
final class Progress {

    private final PrintStream err;
    private final long startNanos = System.nanoTime();

    Progress(PrintStream err) {
        this.err = err;
    }

    void phase(String text) {
        err.printf("[%6.1f s] %s%n", (System.nanoTime() - startNanos) / 1e9, text);
        err.flush();
    }

    void tick(String what, int done, int total) {
        int step = Math.max(1, total / 10);
        if (done == total || done % step == 0) {
            err.printf("[%6.1f s]   %s %d/%d%n", (System.nanoTime() - startNanos) / 1e9, what, done, total);
            err.flush();
        }
    }
}
