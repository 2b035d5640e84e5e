package dev.flotilla.vm.config;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the VM boots: the body of Firecracker's {@code PUT /boot-source}, validated on construction.
 *
 * <p>Only the form is checked here; whether the files exist, are readable and lie under the
 * configured image roots is checked where they are opened, and the command line the VMM finally
 * writes (these arguments plus its own device entries) is checked again against the same limit.
 *
 * @param kernelImagePath an uncompressed ELF vmlinux or a bzImage
 * @param initrdPath      an initramfs, if any
 * @param bootArgs        the kernel command line: printable ASCII, at most {@link #MAX_BOOT_ARGS_BYTES} bytes
 */
public record BootSource(Path kernelImagePath, Optional<Path> initrdPath, String bootArgs) {

    /** The guest's command line area holds 2048 bytes including the terminating NUL. */
    public static final int MAX_BOOT_ARGS_BYTES = 2047;

    /**
     * Firecracker's default command line (used when the API body has no {@code boot_args}), with the
     * serial console on: Firecracker's own default disables the UART ({@code 8250.nr_uarts=0}), but
     * Flotilla streams every VM's console.
     */
    public static final String DEFAULT_BOOT_ARGS = "console=ttyS0 reboot=k panic=1 pci=off nomodules "
            + "i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd";

    public BootSource {
        if (kernelImagePath == null || kernelImagePath.toString().isEmpty()) {
            throw new InvalidConfigException("kernel_image_path", "kernel_image_path is missing: give the path "
                    + "of a vmlinux (ELF) or bzImage kernel");
        }
        if (initrdPath == null) {
            throw new InvalidConfigException("initrd_path", "initrd_path must be Optional.empty(), not null, "
                    + "when there is no initrd");
        }
        if (initrdPath.isPresent() && initrdPath.get().toString().isEmpty()) {
            throw new InvalidConfigException("initrd_path", "initrd_path is empty: leave it out, or give the path of "
                    + "an initramfs");
        }
        if (bootArgs == null) {
            throw new InvalidConfigException("boot_args", "boot_args is missing: use BootSource.DEFAULT_BOOT_ARGS "
                    + "for Firecracker's default command line");
        }
        checkBootArgs(bootArgs);
    }

    /** A boot source with {@link #DEFAULT_BOOT_ARGS}. */
    public static BootSource withDefaultArgs(Path kernelImagePath, Optional<Path> initrdPath) {
        return new BootSource(kernelImagePath, initrdPath, DEFAULT_BOOT_ARGS);
    }

    private static void checkBootArgs(String args) {
        for (int i = 0; i < args.length(); i++) {
            char c = args.charAt(i);
            if (c == 0) {
                throw new InvalidConfigException("boot_args", "boot_args has a NUL character at index " + i
                        + ": the kernel command line ends at the first NUL; remove it");
            }
            // Firecracker (linux-loader) refuses the same: control characters and non-ASCII would be
            // read differently by the kernel's parser and by whoever reads the configuration.
            if (c < 0x20 || c > 0x7E) {
                throw new InvalidConfigException("boot_args", "boot_args has character U+"
                        + String.format("%04X", (int) c) + " at index " + i
                        + ": the kernel command line takes printable ASCII only (space to ~)");
            }
        }
        int bytes = args.getBytes(StandardCharsets.US_ASCII).length;
        if (bytes > MAX_BOOT_ARGS_BYTES) {
            throw new InvalidConfigException("boot_args", "boot_args is " + bytes + " bytes long: the kernel "
                    + "command line holds at most " + MAX_BOOT_ARGS_BYTES + " bytes; shorten it");
        }
    }
}
