package dev.flotilla.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class SummaryTest {

    @Test
    void medianOfAnOddSeriesIsItsMiddleSampleWhateverTheInputOrder() {
        Summary s = Summary.of(List.of(9.0, 1.0, 5.0, 3.0, 7.0));
        assertEquals(5.0, s.median());
        assertEquals(1.0, s.min());
        assertEquals(9.0, s.max());
        assertEquals(5, s.count());
    }

    @Test
    void medianOfAnEvenSeriesIsTheMeanOfTheTwoMiddleSamples() {
        assertEquals(2.5, Summary.of(List.of(4.0, 1.0, 3.0, 2.0)).median());
    }

    @Test
    void p95InterpolatesBetweenTheClosestRanks() {
        List<Double> oneToHundred = new ArrayList<>();
        for (int i = 1; i <= 100; i++) oneToHundred.add((double) i);
        Collections.shuffle(oneToHundred);
        // rank 0.95 * 99 = 94.05 → between 95 and 96
        assertEquals(95.05, Summary.of(oneToHundred).p95(), 1e-9);
        assertEquals(50.5, Summary.of(oneToHundred).median(), 1e-9);
    }

    @Test
    void p95OfTwentySamplesIsNotSimplyTheMaximum() {
        List<Double> samples = new ArrayList<>();
        for (int i = 0; i < 19; i++) samples.add(10.0);
        samples.add(100.0);
        // rank 0.95 * 19 = 18.05 → 10 + 0.05 * 90
        assertEquals(14.5, Summary.of(samples).p95(), 1e-9);
    }

    @Test
    void aSingleSampleIsEveryStatistic() {
        Summary s = Summary.of(List.of(3.25));
        assertEquals(3.25, s.min());
        assertEquals(3.25, s.median());
        assertEquals(3.25, s.p95());
        assertEquals(3.25, s.max());
    }

    @Test
    void refusesAnEmptySeries() {
        assertThrows(IllegalArgumentException.class, () -> Summary.of(List.of()));
    }
}
