package dev.flotilla.ops.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * The QEMU microvm command line of the peer: the same one {@code ops/bin/qemu-probe} runs (see its
 * header), so a benchmark number can be reproduced by hand with that script.
 */
public record QemuCommand(String binary, int vcpus, long memMib, Path kernel, String cmdline) {

    public static final String MACHINE = "microvm,x-option-roms=off,pit=off,pic=off,rtc=off,isa-serial=on,acpi=on";

    public List<String> argv() {
        return List.of(binary,
                "-M", MACHINE,
                "-enable-kvm", "-cpu", "host", "-m", Long.toString(memMib), "-smp", Integer.toString(vcpus),
                "-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none", "-serial", "stdio",
                "-no-reboot",
                "-kernel", kernel.toString(), "-append", cmdline);
    }
}
