package dev.flotilla.ops.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * The QEMU microvm command line of the peer: the same one {@code ops/bin/qemu-probe} runs (see its
 * header), so a benchmark number can be reproduced by hand with that script.
 */
public record QemuCommand(String binary, int vcpus, long memMib, Path kernel, String cmdline) {

    /**
     * The host CPU without ARCH_CAPABILITIES: some KVM hosts (kvm_pvm on Linux 6.18 here) list that MSR but
     * refuse QEMU's write of it, and QEMU 7.2 then aborts before the guest runs. Neither guest reads it.
     */
    public static final String QEMU_CPU = "host,-arch-capabilities";

    public static final String MACHINE = "microvm,x-option-roms=off,pit=off,pic=off,rtc=off,isa-serial=on,acpi=on";

    public List<String> argv() {
        return List.of(binary,
                "-M", MACHINE,
                "-enable-kvm", "-cpu", QEMU_CPU, "-m", Long.toString(memMib), "-smp", Integer.toString(vcpus),
                "-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none", "-serial", "stdio",
                "-no-reboot",
                "-kernel", kernel.toString(), "-append", cmdline);
    }
}
