package dev.flotilla.vm.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.vm.config.CpuTemplate;
import dev.flotilla.vm.config.HugePages;
import dev.flotilla.vm.config.MachineConfig;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VmPoolConfigTest {

    @Test
    void parsesSizesAndCounts() {
        VmPoolConfig c = VmPoolConfig.parse("128=4, 512=1");
        assertEquals(Map.of(new VmShape(128), 4, new VmShape(512), 1), c.targets());
        assertEquals(4, c.target(new VmShape(128)));
        assertEquals(0, c.target(new VmShape(256)));
    }

    @Test
    void zeroOrNothingIsOff() {
        assertFalse(VmPoolConfig.parse("0").enabled());
        assertFalse(VmPoolConfig.parse("").enabled());
        assertFalse(VmPoolConfig.parse("128=0").enabled());
        assertTrue(VmPoolConfig.DEFAULT.enabled());
        assertEquals(4, VmPoolConfig.DEFAULT.target(new VmShape(128)));
    }

    @Test
    void refusesWhatItCannotMeanWithAHint() {
        var e = assertThrows(IllegalArgumentException.class, () -> VmPoolConfig.parse("128"));
        assertTrue(e.getMessage().contains("128=4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VmPoolConfig.parse("128=x"));
        assertThrows(IllegalArgumentException.class, () -> VmPoolConfig.parse("128=2,128=3"));
        assertThrows(IllegalArgumentException.class, () -> VmPoolConfig.parse("128=65"));
        assertThrows(IllegalArgumentException.class, () -> VmPoolConfig.parse("8=1"));
        assertThrows(IllegalArgumentException.class, () -> VmPoolConfig.DEFAULT.withRefillThreads(0));
    }

    @Test
    void onlyPlainRamIsPooled() {
        MachineConfig plain = new MachineConfig(2, 256, false, CpuTemplate.NONE, false, HugePages.NONE);
        assertEquals(Optional.of(new VmShape(256)), VmShape.of(plain));
        assertEquals(Optional.empty(), VmShape.of(new MachineConfig(2, 256, false, CpuTemplate.NONE, true, HugePages.NONE)));
        assertEquals(Optional.empty(), VmShape.of(plain.withHugePages(HugePages.HUGETLBFS_2M)));
    }
}
