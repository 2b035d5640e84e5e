package dev.flotilla.vm.stats;

import java.util.Collection;

/**
 * Percentiles interpolated linearly between the two closest ranks (Hyndman and Fan's definition 7, the
 * one of spreadsheets and numpy's default): the p-th percentile of n ascending samples x[0..n-1] is
 * x[lo] + (r - lo) * (x[lo+1] - x[lo]) with r = p/100 * (n - 1) and lo = floor(r). So p0 is the minimum,
 * p100 the maximum, the median of an even-sized series the mean of its two middle samples, and p95 of a
 * small series is not simply its maximum.
 */
public final class Percentiles {

    private Percentiles() {}

    /** The {@code p}-th percentile (0–100) of the samples in any order; NaN when there are none. */
    public static double of(Collection<? extends Number> samples, double p) {
        checkP(p);
        if (samples.isEmpty()) return Double.NaN;
        return ofAscending(samples.stream().mapToDouble(Number::doubleValue).sorted().toArray(), p);
    }

    /** The {@code p}-th percentile (0–100) of an ascending, non-empty array. */
    public static double ofAscending(double[] ascending, double p) {
        checkP(p);
        if (ascending.length == 0) throw new IllegalArgumentException("percentile of an empty series");
        for (int i = 1; i < ascending.length; i++) {
            if (ascending[i] < ascending[i - 1]) throw new IllegalArgumentException("percentile needs ascending samples");
        }
        double rank = p / 100.0 * (ascending.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(lo + 1, ascending.length - 1);
        return ascending[lo] + (rank - lo) * (ascending[hi] - ascending[lo]);
    }

    private static void checkP(double p) {
        if (!(p >= 0 && p <= 100)) throw new IllegalArgumentException("percentile must be 0..100, got " + p);
    }
}
