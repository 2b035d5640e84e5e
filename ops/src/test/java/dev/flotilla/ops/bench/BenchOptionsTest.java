package dev.flotilla.ops.bench;

import dev.flotilla.ops.UsageException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {

    @Test
    void defaultsAreFiftyBootsABurstOfAHundredOneVcpuAnd128Mib() {
        BenchOptions o = BenchOptions.parse(List.of());
        assertEquals(50, o.count());
        assertEquals(100, o.burst());
        assertEquals(20, o.hold());
        assertEquals(1, o.vcpus());
        assertEquals(128, o.memMib());
        assertFalse(o.skipQemu());
        assertEquals("qemu-system-x86_64", o.qemu());
    }

    @Test
    void parsesEveryOption() {
        BenchOptions o = BenchOptions.parse(List.of("--count", "7", "--burst", "9", "--hold", "3", "--warmup", "0",
                "--vcpus", "2", "--mem-mib", "256", "--phases", "0", "--skip-qemu", "--qemu", "/opt/qemu"));
        assertEquals(new BenchOptions(7, 0, 9, 3, 2, 256, true, 0, "/opt/qemu"), o);
    }

    @Test
    void poolIsOffByDefaultAndBounded() {
        assertEquals(0, BenchOptions.parse(List.of()).pool());
        assertEquals(4, BenchOptions.parse(List.of("--pool", "4")).pool());
        var e = assertThrows(UsageException.class, () -> BenchOptions.parse(List.of("--pool", "65")));
        assertTrue(e.getMessage().contains("--pool must be 0 to 64"), e.getMessage());
    }

    @Test
    void mistakesSayWhatToTypeInstead() {
        var e = assertThrows(UsageException.class, () -> BenchOptions.parse(List.of("--count", "0")));
        assertTrue(e.getMessage().contains("--count must be 1 to"), e.getMessage());
        e = assertThrows(UsageException.class, () -> BenchOptions.parse(List.of("--burst", "many")));
        assertTrue(e.getMessage().contains("whole number"), e.getMessage());
        e = assertThrows(UsageException.class, () -> BenchOptions.parse(List.of("--count")));
        assertTrue(e.getMessage().contains("needs a value"), e.getMessage());
        e = assertThrows(UsageException.class, () -> BenchOptions.parse(List.of("--fast")));
        assertTrue(e.getMessage().contains("unknown option '--fast'"), e.getMessage());
    }
}
