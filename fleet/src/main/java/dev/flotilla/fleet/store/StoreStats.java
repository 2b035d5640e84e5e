package dev.flotilla.fleet.store;

/**
 * What the store's writer has done: operations, commits (each one fsync of the WAL), the largest group
 * committed at once, and latency from enqueue to durable.
 */
public record StoreStats(long operations, long commits, int largestBatch, double meanLatencyMs, double maxLatencyMs,
                         double meanCommitMs) {

    /** Operations per commit: how much group commit saved. */
    public double operationsPerCommit() {
        return commits == 0 ? 0 : (double) operations / commits;
    }
}
