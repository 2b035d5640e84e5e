package dev.flotilla.ops.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flotilla.vm.devices.VirtioDeviceActor.DeviceMetrics;
import dev.flotilla.vm.vcpu.VcpuLoop.ExitKind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FirecrackerMetricsLineTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<DeviceMetrics> devices(long rootRead, long dataRead, long entropyRequests) {
        return List.of(
                new DeviceMetrics("root", "blk", Map.of("read_bytes", rootRead, "read_count", 1L)),
                new DeviceMetrics("data", "blk", Map.of("read_bytes", dataRead, "read_count", 2L)),
                new DeviceMetrics("entropy", "rng", Map.of("entropy_requests", entropyRequests, "entropy_bytes", 64L)));
    }

    @Test
    void firstLineHoldsTotalsUnderFirecrackerGroupNames() throws Exception {
        JsonNode m = JSON.readTree(new FirecrackerMetricsLine().next(1234, "running", 12.5,
                Map.of(ExitKind.IO_OUT, 100L, ExitKind.MMIO_WRITE, 3L, ExitKind.HLT, 7L), devices(4096, 512, 5)));
        assertEquals(1234, m.get("utc_timestamp_ms").asLong());
        assertEquals(100, m.get("vcpu").get("exit_io_out").asLong());
        assertEquals(0, m.get("vcpu").get("exit_io_in").asLong());
        assertEquals(3, m.get("vcpu").get("exit_mmio_write").asLong());
        assertEquals(4096, m.get("block_root").get("read_bytes").asLong());
        assertEquals(512, m.get("block_data").get("read_bytes").asLong());
        assertEquals(4608, m.get("block").get("read_bytes").asLong(), "the block group sums the drives");
        assertEquals(3, m.get("block").get("read_count").asLong());
        assertEquals(5, m.get("entropy").get("entropy_event_count").asLong(), "Firecracker's name for the rng's requests");
        assertFalse(m.has("entropy_entropy"), "single devices have no per-device group");
        assertEquals(7, m.get("flotilla").get("exit_hlt").asLong());
        assertEquals("running", m.get("flotilla").get("state").asText());
    }

    @Test
    void laterLinesHoldTheIncreaseSinceThePreviousLine() throws Exception {
        FirecrackerMetricsLine line = new FirecrackerMetricsLine();
        line.next(1, "running", 1, Map.of(ExitKind.IO_OUT, 100L), devices(4096, 0, 5));
        JsonNode m = JSON.readTree(line.next(2, "running", 1, Map.of(ExitKind.IO_OUT, 150L), devices(8192, 0, 5)));
        assertEquals(50, m.get("vcpu").get("exit_io_out").asLong());
        assertEquals(4096, m.get("block_root").get("read_bytes").asLong());
        assertEquals(0, m.get("entropy").get("entropy_event_count").asLong());
    }

    @Test
    void aCounterThatWentDownIsANewRunCountedFromZero() throws Exception {
        FirecrackerMetricsLine line = new FirecrackerMetricsLine();
        line.next(1, "running", 1, Map.of(ExitKind.IO_OUT, 100L), List.of());
        JsonNode m = JSON.readTree(line.next(2, "running", 1, Map.of(ExitKind.IO_OUT, 30L), List.of()));
        assertEquals(30, m.get("vcpu").get("exit_io_out").asLong());
    }
}
