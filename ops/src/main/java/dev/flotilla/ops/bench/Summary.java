package dev.flotilla.ops.bench;

import dev.flotilla.vm.stats.Percentiles;
import java.util.Collection;

/**
 * Order statistics of one series of samples (milliseconds or any unit), percentiles as
 * {@link Percentiles} defines them (the one definition the demo and the pool use too).
 */
public record Summary(int count, double min, double median, double p95, double max) {

    public static Summary of(Collection<Double> samples) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("Summary.of: no samples; a benchmark phase produced nothing to summarise");
        }
        double[] sorted = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Summary(sorted.length, sorted[0], Percentiles.ofAscending(sorted, 50), Percentiles.ofAscending(sorted, 95),
                sorted[sorted.length - 1]);
    }

    @Override
    public String toString() {
        return "n=%d min=%.2f median=%.2f p95=%.2f max=%.2f".formatted(count, min, median, p95, max);
    }
}
