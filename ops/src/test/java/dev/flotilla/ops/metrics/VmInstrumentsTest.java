package dev.flotilla.ops.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class VmInstrumentsTest {

    @Test
    void deviceCountersFallIntoFamiliesByFirecrackerName() {
        assertEquals(VmInstruments.DEVICE_BYTES, VmInstruments.deviceMetric("read_bytes"));
        assertEquals(VmInstruments.DEVICE_BYTES, VmInstruments.deviceMetric("entropy_bytes"));
        assertEquals(VmInstruments.DEVICE_THROTTLED, VmInstruments.deviceMetric("rate_limiter_throttled_events"));
        assertEquals(VmInstruments.DEVICE_THROTTLED, VmInstruments.deviceMetric("entropy_rate_limiter_throttled"));
        assertEquals(VmInstruments.DEVICE_FAULTS, VmInstruments.deviceMetric("data_path_failures"));
        assertEquals(VmInstruments.DEVICE_FAULTS, VmInstruments.deviceMetric("malformed_chains"));
        assertEquals(VmInstruments.DEVICE_FAULTS, VmInstruments.deviceMetric("invalid_reqs_count"));
        assertEquals(VmInstruments.DEVICE_OPS, VmInstruments.deviceMetric("read_count"));
        assertEquals(VmInstruments.DEVICE_OPS, VmInstruments.deviceMetric("entropy_requests"));
    }
}
