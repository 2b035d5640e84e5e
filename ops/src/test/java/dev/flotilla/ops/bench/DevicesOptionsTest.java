package dev.flotilla.ops.bench;

import dev.flotilla.ops.UsageException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DevicesOptionsTest {

    @Test
    void defaultsAndEveryOption() {
        assertEquals(new DevicesOptions(5, 2, 64, 8, false, false, false, "qemu-system-x86_64"), DevicesOptions.parse(List.of()));
        assertEquals(new DevicesOptions(3, 4, 32, 1024, true, true, true, "/opt/qemu"), DevicesOptions.parse(
                List.of("--seconds", "3", "--rounds", "4", "--disk-mib", "32", "--seg-kib", "1024", "--skip-qemu", "--skip-block",
                        "--skip-net", "--qemu", "/opt/qemu")));
    }

    @Test
    void mistakesSayWhatToType() {
        assertTrue(assertThrows(UsageException.class, () -> DevicesOptions.parse(List.of("--seconds", "0")))
                .getMessage().contains("--seconds must be 1 to 600"));
        assertTrue(assertThrows(UsageException.class, () -> DevicesOptions.parse(List.of("--rounds", "two")))
                .getMessage().contains("whole number"));
        assertTrue(assertThrows(UsageException.class, () -> DevicesOptions.parse(List.of("--count", "3")))
                .getMessage().contains("unknown option '--count'"));
        assertTrue(assertThrows(UsageException.class, () -> DevicesOptions.parse(List.of("--seg-kib", "4")))
                .getMessage().contains("seg_max of 254"));
        assertTrue(assertThrows(UsageException.class, () -> DevicesOptions.parse(List.of("--seg-kib", "12")))
                .getMessage().contains("must divide 1024"));
        assertTrue(assertThrows(UsageException.class, () -> DevicesOptions.parse(List.of("--seconds")))
                .getMessage().contains("needs a value"));
    }
}
