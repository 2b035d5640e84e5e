package dev.flotilla.ops.bench;

import java.util.Collection;

/**
 * Order statistics of one series of samples (milliseconds or any unit). Percentiles interpolate
 * linearly between the two closest ranks (the "R-7" / spreadsheet definition), so the median of an
 * even-sized series is the mean of its two middle samples and p95 of a small series is not simply
 * its maximum.
 */
public record Summary(int count, double min, double median, double p95, double max) {

    public static Summary of(Collection<Double> samples) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("Summary.of: no samples; a benchmark phase produced nothing to summarise");
        }
        double[] sorted = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Summary(sorted.length, sorted[0], percentile(sorted, 50), percentile(sorted, 95),
                sorted[sorted.length - 1]);
    }

    /** The {@code p}-th percentile (0–100) of an ascending array, interpolated between closest ranks. */
    static double percentile(double[] ascending, double p) {
        if (ascending.length == 0) throw new IllegalArgumentException("percentile of an empty series");
        if (p < 0 || p > 100) throw new IllegalArgumentException("percentile must be 0..100, got " + p);
        if (!isAscending(ascending)) throw new IllegalArgumentException("percentile needs ascending samples");
        double rank = p / 100.0 * (ascending.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(lo + 1, ascending.length - 1);
        return ascending[lo] + (rank - lo) * (ascending[hi] - ascending[lo]);
    }

    private static boolean isAscending(double[] a) {
        for (int i = 1; i < a.length; i++) if (a[i] < a[i - 1]) return false;
        return true;
    }

    @Override
    public String toString() {
        return "n=%d min=%.2f median=%.2f p95=%.2f max=%.2f".formatted(count, min, median, p95, max);
    }
}
