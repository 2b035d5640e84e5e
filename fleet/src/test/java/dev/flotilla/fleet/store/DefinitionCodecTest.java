package dev.flotilla.fleet.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.fleet.VmDefinition;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DefinitionCodecTest {

    private final DefinitionCodec codec = new DefinitionCodec();

    @Test
    void everyFieldSurvivesTheRoundTrip() {
        VmDefinition d = Definitions.everything("vm-1");
        assertEquals(d, codec.decode(codec.encode(d), DefinitionCodec.FORMAT));
    }

    @Test
    void anEmptyDefinitionSurvivesTheRoundTrip() {
        VmDefinition d = VmDefinition.empty("bare");
        assertEquals(d, codec.decode(codec.encode(d), DefinitionCodec.FORMAT));
    }

    @Test
    void relativePathsStayRelative() {
        VmDefinition back = codec.decode(codec.encode(Definitions.everything("p")), DefinitionCodec.FORMAT);
        assertEquals(Path.of("images/rootfs.ext4"), back.devices().drives().get(0).pathOnHost());
        assertTrue(codec.encode(Definitions.everything("p")).contains("\"images/rootfs.ext4\""));
    }

    @Test
    void aDefinitionThatNoLongerValidatesIsRefusedWithTheReason() {
        String json = codec.encode(VmDefinition.empty("x")).replace("\"vcpuCount\":1", "\"vcpuCount\":99");
        StoreException e = assertThrows(StoreException.class, () -> codec.decode(json, DefinitionCodec.FORMAT));
        assertTrue(e.getMessage().contains("vcpu_count 99"), e.getMessage());
    }

    @Test
    void anUnknownFormatIsRefusedNamingBothVersions() {
        StoreException e = assertThrows(StoreException.class, () -> codec.decode("{}", 7));
        assertTrue(e.getMessage().contains("format 7") && e.getMessage().contains("format " + DefinitionCodec.FORMAT), e.getMessage());
    }
}
