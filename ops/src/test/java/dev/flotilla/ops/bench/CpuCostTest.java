package dev.flotilla.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class CpuCostTest {

    @Test
    void differenceOfTwoReadingsDividedByTheRequestsInMicroseconds() {
        CpuSample start = new CpuSample(1_000_000, 50_000_000, 80_000_000, 500_000, 2_000_000);
        CpuSample end = new CpuSample(21_000_000, 1_050_000_000, 1_100_000_000, 4_500_000, 6_000_000);
        CpuSample delta = end.minus(start);
        assertEquals(new CpuSample(20_000_000, 1_000_000_000, 1_020_000_000, 4_000_000, 4_000_000), delta);
        assertEquals(20_000_000, delta.processMinusVcpuNanos());
        CpuCost c = CpuCost.of(delta, 4000);
        assertEquals(5.0, c.device(), 1e-9);          // 20 ms / 4000
        assertEquals(5.0, c.processMinusVcpu(), 1e-9);
        assertEquals(255.0, c.process(), 1e-9);       // 1.02 s / 4000
        assertEquals(1.0, c.deviceWait(), 1e-9);      // 4 ms / 4000
        assertEquals(1.0, c.vcpuWait(), 1e-9);
    }

    @Test
    void noRequestsIsNotACost() {
        assertThrows(IllegalArgumentException.class, () -> CpuCost.of(new CpuSample(1, 1, 1), 0));
    }
}
