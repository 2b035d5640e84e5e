package dev.flotilla.ops.bench;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Bounded waits on the benchmark's futures: a VM that never arrives is a failure, never a hang. */
final class Await {

    private Await() {}

    /** The future's value if it completes normally before {@code deadlineNanos} (a nanoTime instant). */
    static <T> Optional<T> until(CompletableFuture<T> f, long deadlineNanos) {
        try {
            long left = Math.max(0, deadlineNanos - System.nanoTime());
            return Optional.ofNullable(f.get(left, TimeUnit.NANOSECONDS));
        } catch (TimeoutException | ExecutionException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    static long deadline(long seconds) {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    }
}
