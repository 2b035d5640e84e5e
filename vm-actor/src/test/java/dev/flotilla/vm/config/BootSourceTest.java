package dev.flotilla.vm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BootSourceTest {

    private static final Path KERNEL = Path.of("/var/lib/flotilla/images/vmlinux");

    private static InvalidConfigException refusedArgs(String args) {
        return assertThrows(InvalidConfigException.class, () -> new BootSource(KERNEL, Optional.empty(), args));
    }

    @Test
    void acceptsAKernelWithInitrdAndArgs() {
        var boot = new BootSource(KERNEL, Optional.of(Path.of("initrd.img")), "console=ttyS0 quiet");
        assertEquals(KERNEL, boot.kernelImagePath());
        assertEquals(Optional.of(Path.of("initrd.img")), boot.initrdPath());
        assertEquals("console=ttyS0 quiet", boot.bootArgs());
    }

    @Test
    void defaultArgsKeepTheSerialConsoleAndFirecrackersI8042Settings() {
        var boot = BootSource.withDefaultArgs(KERNEL, Optional.empty());
        assertTrue(boot.bootArgs().startsWith("console=ttyS0 "), boot.bootArgs());
        assertTrue(boot.bootArgs().contains("reboot=k"));
        assertTrue(boot.bootArgs().contains("i8042.noaux"));
    }

    @Test
    void argsOfExactly2047BytesFitAnd2048DoNot() {
        assertEquals(2047, new BootSource(KERNEL, Optional.empty(), "a".repeat(2047)).bootArgs().length());
        var e = refusedArgs("a".repeat(2048));
        assertEquals("boot_args", e.field());
        assertEquals("boot_args is 2048 bytes long: the kernel command line holds at most 2047 bytes; shorten it",
                e.getMessage());
    }

    @Test
    void nulInArgsIsRefusedWithItsPosition() {
        var e = refusedArgs("console=ttyS0\0init=/bin/sh");
        assertEquals("boot_args", e.field());
        assertTrue(e.getMessage().contains("NUL character at index 13"), e.getMessage());
    }

    @Test
    void controlAndNonAsciiCharactersAreRefused() {
        assertTrue(refusedArgs("a\nb").getMessage().contains("U+000A at index 1"));
        assertTrue(refusedArgs("quiet\t").getMessage().contains("U+0009"));
        assertTrue(refusedArgs("root=/dev/vdá").getMessage().contains("U+00E1"));
        assertEquals("", new BootSource(KERNEL, Optional.empty(), "").bootArgs(), "an empty command line is allowed");
    }

    @Test
    void missingPartsAreRefusedByField() {
        assertEquals("kernel_image_path",
                assertThrows(InvalidConfigException.class, () -> new BootSource(null, Optional.empty(), "")).field());
        assertEquals("kernel_image_path",
                assertThrows(InvalidConfigException.class, () -> new BootSource(Path.of(""), Optional.empty(), ""))
                        .field());
        assertEquals("initrd_path",
                assertThrows(InvalidConfigException.class, () -> new BootSource(KERNEL, null, "")).field());
        assertEquals("initrd_path",
                assertThrows(InvalidConfigException.class, () -> new BootSource(KERNEL, Optional.of(Path.of("")), ""))
                        .field());
        assertEquals("boot_args",
                assertThrows(InvalidConfigException.class, () -> new BootSource(KERNEL, Optional.empty(), null))
                        .field());
    }
}
