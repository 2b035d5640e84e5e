package dev.flotilla.ops.demo;

import java.util.Collection;

/** Nearest-rank percentiles of a sample (no interpolation: every figure is a value that was measured). */
public final class Percentiles {

    private Percentiles() {}

    /** @return the p-th percentile (0 &lt; p &le; 100), or NaN for no samples */
    public static double of(Collection<Double> samples, double p) {
        if (samples.isEmpty()) return Double.NaN;
        double[] a = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int rank = (int) Math.ceil(p / 100.0 * a.length);
        return a[Math.max(0, Math.min(a.length - 1, rank - 1))];
    }
}
