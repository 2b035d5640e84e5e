package dev.flotilla.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.ops.bench.ApiBenchOptions;
import dev.flotilla.ops.bench.BenchOptions;
import dev.flotilla.ops.demo.DemoOptions;
import dev.flotilla.vm.config.MachineConfig;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Every subcommand takes exactly the vCPU and memory sizes the API takes: MachineConfig's limits, not its own. */
class CliLimitsTest {

    private static final List<Function<List<String>, Object>> WITH_MEM = List.of(
            RunOptions::parse, DemoOptions::parse, ApiBenchOptions::parse, BenchOptions::parse);
    private static final List<Function<List<String>, Object>> WITH_VCPUS = List.of(RunOptions::parse, BenchOptions::parse);

    @Test
    void memoryLimitsAreMachineConfigs() {
        for (Function<List<String>, Object> parse : WITH_MEM) {
            parse.apply(List.of("--mem-mib", Long.toString(MachineConfig.MAX_MEM_SIZE_MIB)));
            parse.apply(List.of("--mem-mib", Long.toString(MachineConfig.MIN_MEM_SIZE_MIB)));
            UsageException big = assertThrows(UsageException.class,
                    () -> parse.apply(List.of("--mem-mib", Long.toString(MachineConfig.MAX_MEM_SIZE_MIB + 1))));
            assertEquals("--mem-mib must be " + MachineConfig.MIN_MEM_SIZE_MIB + " to " + MachineConfig.MAX_MEM_SIZE_MIB
                    + ", got " + (MachineConfig.MAX_MEM_SIZE_MIB + 1), big.getMessage());
            assertThrows(UsageException.class,
                    () -> parse.apply(List.of("--mem-mib", Long.toString(MachineConfig.MIN_MEM_SIZE_MIB - 1))));
        }
    }

    @Test
    void vcpuLimitsAreMachineConfigs() {
        for (Function<List<String>, Object> parse : WITH_VCPUS) {
            parse.apply(List.of("--vcpus", Integer.toString(MachineConfig.MAX_VCPUS)));
            UsageException many = assertThrows(UsageException.class,
                    () -> parse.apply(List.of("--vcpus", Integer.toString(MachineConfig.MAX_VCPUS + 1))));
            assertTrue(many.getMessage().startsWith("--vcpus must be 1 to " + MachineConfig.MAX_VCPUS), many.getMessage());
            assertThrows(UsageException.class, () -> parse.apply(List.of("--vcpus", "0")));
        }
    }
}
