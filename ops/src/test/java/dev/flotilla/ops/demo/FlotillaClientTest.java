package dev.flotilla.ops.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class FlotillaClientTest {

    @Test
    void vmBodyIsAFirecrackerConfigFileWithTheId() throws Exception {
        JsonNode b = new ObjectMapper().readTree(FlotillaClient.vmBody("demo-001", Path.of("/k/probe.elf"), "probe.hold", 2, 64));
        assertEquals("demo-001", b.get("id").asText());
        assertEquals("/k/probe.elf", b.get("boot-source").get("kernel_image_path").asText());
        assertEquals("probe.hold", b.get("boot-source").get("boot_args").asText());
        assertEquals(2, b.get("machine-config").get("vcpu_count").asInt());
        assertEquals(64, b.get("machine-config").get("mem_size_mib").asInt());
        assertEquals(3, b.size(), "nothing a Firecracker config file would not have, besides the id");
    }
}
