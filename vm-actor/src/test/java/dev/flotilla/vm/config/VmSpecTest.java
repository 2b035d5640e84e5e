package dev.flotilla.vm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class VmSpecTest {

    private static final BootSource BOOT = BootSource.withDefaultArgs(Path.of("vmlinux"), Optional.empty());

    @ParameterizedTest
    @ValueSource(strings = {"a", "vm-1", "Web_Server-07", "0123456789012345678901234567890123456789012345678901234567890123"})
    void idsOfLettersDigitsUnderscoresAndHyphensAreAccepted(String id) {
        assertEquals(id, VmSpec.withDefaultMachine(id, BOOT).id());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "vm 1", "vm/1", "../etc", "vm.1", "vmé",
        "01234567890123456789012345678901234567890123456789012345678901234"})
    void otherIdsAreRefused(String id) {
        var e = assertThrows(InvalidConfigException.class, () -> VmSpec.withDefaultMachine(id, BOOT));
        assertEquals("vm_id", e.field());
        assertTrue(e.getMessage().endsWith("is not valid: use 1 to 64 characters from A-Z, a-z, 0-9, '_' and '-'"),
                e.getMessage());
    }

    @Test
    void hugeIdsAreShortenedInTheMessage() {
        var e = assertThrows(InvalidConfigException.class, () -> VmSpec.checkId("x".repeat(10_000)));
        assertTrue(e.getMessage().contains("(10000 characters)"), e.getMessage());
        assertTrue(e.getMessage().length() < 300, "an attacker-sized id is not echoed whole");
    }

    @Test
    void nullIdMachineOrBootSourceAreRefused() {
        assertEquals("vm_id", assertThrows(InvalidConfigException.class,
                () -> new VmSpec(null, MachineConfig.DEFAULT, BOOT)).field());
        assertEquals("machine-config", assertThrows(InvalidConfigException.class,
                () -> new VmSpec("vm1", null, BOOT)).field());
        assertEquals("boot-source", assertThrows(InvalidConfigException.class,
                () -> new VmSpec("vm1", MachineConfig.DEFAULT, null)).field());
    }

    @Test
    void holdsItsParts() {
        var machine = MachineConfig.DEFAULT.withVcpuCount(2);
        var spec = new VmSpec("vm1", machine, BOOT);
        assertEquals(machine, spec.machineConfig());
        assertEquals(BOOT, spec.bootSource());
    }
}
