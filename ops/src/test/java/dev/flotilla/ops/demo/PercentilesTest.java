package dev.flotilla.ops.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PercentilesTest {

    @Test
    void nearestRankOfMeasuredValues() {
        List<Double> v = new ArrayList<>();
        for (int i = 100; i >= 1; i--) v.add((double) i);
        assertEquals(50.0, Percentiles.of(v, 50));
        assertEquals(99.0, Percentiles.of(v, 99));
        assertEquals(100.0, Percentiles.of(v, 100));
        assertEquals(7.0, Percentiles.of(List.of(7.0), 99));
        assertEquals(2.0, Percentiles.of(List.of(3.0, 1.0, 2.0), 50));
        assertTrue(Double.isNaN(Percentiles.of(List.of(), 50)));
    }
}
