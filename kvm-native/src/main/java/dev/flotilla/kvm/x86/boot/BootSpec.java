package dev.flotilla.kvm.x86.boot;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What to boot: a loaded kernel, an optional initrd, the command line, the vCPU count, the virtio-mmio
 * slots to describe to the guest, and the entry protocol. Validated here so the configurator only
 * meets sane input.
 */
public record BootSpec(KernelImage kernel, Optional<Initrd> initrd, String cmdline, int vcpuCount,
                       List<VirtioSlot> slots, BootProtocol protocol) {

    /** The MP table must fit the last KiB of base memory that Linux scans: 32 vCPUs (as Firecracker). */
    public static final int MAX_VCPUS = 32;

    public BootSpec {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(initrd, "initrd");
        Objects.requireNonNull(cmdline, "cmdline");
        Objects.requireNonNull(protocol, "protocol");
        slots = List.copyOf(slots);
        if (vcpuCount < 1 || vcpuCount > MAX_VCPUS) {
            throw new IllegalArgumentException("vCPU count %d outside 1..%d".formatted(vcpuCount, MAX_VCPUS));
        }
        if (cmdline.indexOf('\0') >= 0) throw new IllegalArgumentException("kernel command line contains a NUL byte");
        int bytes = cmdline.getBytes(StandardCharsets.UTF_8).length + 1;
        if (bytes > MemoryLayout.CMDLINE_MAX_SIZE) {
            throw new IllegalArgumentException("kernel command line is %d bytes with its NUL; at most %d fit"
                    .formatted(bytes, MemoryLayout.CMDLINE_MAX_SIZE));
        }
        Set<Integer> seen = new HashSet<>();
        for (VirtioSlot s : slots) {
            if (!seen.add(s.index())) throw new IllegalArgumentException("virtio slot " + s.index() + " given twice");
        }
    }

    public BootSpec(KernelImage kernel, String cmdline, int vcpuCount) {
        this(kernel, Optional.empty(), cmdline, vcpuCount, List.of(), BootProtocol.AUTO);
    }
}
