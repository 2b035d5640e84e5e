package dev.flotilla.vm.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The definition: linear interpolation between the closest ranks, r = p/100 * (n - 1). */
class PercentilesTest {

    @Test
    void theMedianOfAnOddSeriesIsItsMiddleSampleWhateverTheInputOrder() {
        assertEquals(5.0, Percentiles.of(List.of(9.0, 1.0, 5.0, 3.0, 7.0), 50));
    }

    @Test
    void theMedianOfAnEvenSeriesIsTheMeanOfItsTwoMiddleSamples() {
        assertEquals(2.5, Percentiles.of(List.of(4.0, 1.0, 3.0, 2.0), 50));
        assertEquals(15.0, Percentiles.of(List.of(10L, 20L), 50), "any Number: nanoseconds as longs too");
    }

    @Test
    void highPercentilesInterpolateBetweenTheClosestRanks() {
        List<Double> oneToHundred = new ArrayList<>();
        for (int i = 1; i <= 100; i++) oneToHundred.add((double) i);
        Collections.shuffle(oneToHundred);
        assertEquals(95.05, Percentiles.of(oneToHundred, 95), 1e-9);   // r = 94.05: between 95 and 96
        assertEquals(99.01, Percentiles.of(oneToHundred, 99), 1e-9);
        assertEquals(50.5, Percentiles.of(oneToHundred, 50), 1e-9);
        List<Double> oneOutlier = new ArrayList<>(Collections.nCopies(19, 10.0));
        oneOutlier.add(100.0);
        assertEquals(14.5, Percentiles.of(oneOutlier, 95), 1e-9, "p95 of 20 samples is not simply the maximum");
    }

    @Test
    void theEndsAreTheMinimumAndTheMaximumAndOneSampleIsEveryPercentile() {
        double[] a = {1, 2, 4, 8};
        assertEquals(1, Percentiles.ofAscending(a, 0));
        assertEquals(8, Percentiles.ofAscending(a, 100));
        assertEquals(3.25, Percentiles.of(List.of(3.25), 95));
    }

    @Test
    void noSamplesIsNaNAndBadInputIsRefused() {
        assertTrue(Double.isNaN(Percentiles.of(List.of(), 50)));
        assertThrows(IllegalArgumentException.class, () -> Percentiles.ofAscending(new double[0], 50));
        assertThrows(IllegalArgumentException.class, () -> Percentiles.ofAscending(new double[] {2, 1}, 50));
        assertThrows(IllegalArgumentException.class, () -> Percentiles.of(List.of(1.0), 101));
        assertThrows(IllegalArgumentException.class, () -> Percentiles.of(List.of(1.0), Double.NaN));
    }
}
