package dev.flotilla.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class MachineInfoTest {

    @Test
    void cpuModelIsTheFirstModelNameOfCpuinfo() {
        String cpuinfo = """
                processor	: 0
                vendor_id	: GenuineIntel
                model		: 85
                model name	: Intel(R) Xeon(R) Processor
                processor	: 1
                model name	: Intel(R) Xeon(R) Processor
                """;
        assertEquals("Intel(R) Xeon(R) Processor", MachineInfo.cpuModel(cpuinfo));
        assertEquals("unknown", MachineInfo.cpuModel("processor : 0\n"));
    }
}
