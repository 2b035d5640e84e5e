package dev.flotilla.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DevicesTableTest {

    private static DeviceSample rand(long reads) {
        return new DeviceSample(Workload.BLOCK_RANDOM, reads, reads * 4096, 0, 1_000_000, Optional.empty());
    }

    @Test
    void aCellIsTheMedianWithTheRangeOfTheRounds() {
        assertEquals("2,000 [1,000–4,000]", DevicesTable.cell(List.of(rand(4000), rand(1000), rand(2000)),
                DeviceSample::requestsPerSecond, 0));
        assertEquals("3,000.0", DevicesTable.cell(List.of(rand(3000)), DeviceSample::requestsPerSecond, 1));
    }

    @Test
    void runQueueWaitsAreTheMediansOfDeviceAndVcpuPerRequest() {
        DeviceSample a = new DeviceSample(Workload.BLOCK_RANDOM, 1000, 0, 0, 1_000_000, Optional.of(new CpuSample(1, 1, 2, 2_000_000, 9_000_000)));
        DeviceSample b = new DeviceSample(Workload.BLOCK_RANDOM, 1000, 0, 0, 1_000_000, Optional.of(new CpuSample(1, 1, 2, 4_000_000, 1_000_000)));
        assertEquals("3.0 / 5.0", DevicesTable.waits(List.of(a, b)));
        assertEquals(ReportTable.NONE + " / " + ReportTable.NONE, DevicesTable.waits(List.of(rand(5))));
    }

    @Test
    void valuesThatCouldNotBeMeasuredAreLeftOutAndNoneIsADash() {
        assertEquals(ReportTable.NONE, DevicesTable.cell(List.of(rand(5)), s -> s.cost().map(CpuCost::device).orElse(Double.NaN), 1));
        assertEquals(ReportTable.NONE, DevicesTable.cell(List.of(), DeviceSample::requestsPerSecond, 1));
    }
}
