package dev.flotilla.ops.demo;

import dev.flotilla.ops.UsageException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DemoOptionsTest {

    @Test
    void defaultsAreTwentyVmsAllAtOnce() {
        DemoOptions o = DemoOptions.parse(List.of());
        assertEquals(20, o.count());
        assertEquals(0, o.rate());
        assertEquals(0, o.port(), "a free port: a demo must not collide with a running daemon");
        assertEquals(false, o.keep());
    }

    @Test
    void optionsAreParsed() {
        DemoOptions o = DemoOptions.parse(List.of("--count", "50", "--rate", "25", "--keep", "--mem-mib", "64", "--port", "8181"));
        assertEquals(50, o.count());
        assertEquals(25, o.rate());
        assertEquals(64, o.memMib());
        assertEquals(8181, o.port());
        assertTrue(o.keep());
    }

    @Test
    void mistakesSayWhatToType() {
        assertTrue(assertThrows(UsageException.class, () -> DemoOptions.parse(List.of("--count", "0")))
                .getMessage().contains("--count must be 1 to 2000"));
        assertTrue(assertThrows(UsageException.class, () -> DemoOptions.parse(List.of("--rate", "x")))
                .getMessage().contains("--rate needs a number"));
        assertTrue(assertThrows(UsageException.class, () -> DemoOptions.parse(List.of("--count")))
                .getMessage().contains("--count needs a value"));
        assertTrue(assertThrows(UsageException.class, () -> DemoOptions.parse(List.of("--fast")))
                .getMessage().contains("unknown option '--fast'"));
    }
}
