package dev.flotilla.vm.pool;

import dev.flotilla.kvm.memory.GuestMemory.Region;
import dev.flotilla.kvm.x86.boot.MemoryLayout;
import dev.flotilla.vm.config.HugePages;
import dev.flotilla.vm.config.MachineConfig;
import java.util.List;
import java.util.Optional;

/**
 * What a pre-created VM must have in common with the VM that takes it: the size of guest RAM (which
 * fixes the RAM regions and their memory slots). The vCPU count, kernel, command line and devices do
 * not matter, they are all set up after the take. Only plain 4 KiB-page RAM without dirty-page logging
 * is pooled: a spec that asks for huge pages or dirty tracking gets {@link #of} empty and is built
 * cold, so that the day the builder honours those settings a pooled VM cannot silently lack them.
 *
 * @param memSizeMib guest RAM in MiB, as {@link MachineConfig#memSizeMib()}
 */
public record VmShape(long memSizeMib) {

    public VmShape {
        if (memSizeMib < MachineConfig.MIN_MEM_SIZE_MIB || memSizeMib > MachineConfig.MAX_MEM_SIZE_MIB) {
            throw new IllegalArgumentException("pool memory size " + memSizeMib + " MiB is out of range: use "
                    + MachineConfig.MIN_MEM_SIZE_MIB + " to " + MachineConfig.MAX_MEM_SIZE_MIB);
        }
    }

    /** The shape a VM of {@code machine} needs, or empty if such VMs are never pooled (see the class note). */
    public static Optional<VmShape> of(MachineConfig machine) {
        if (machine.hugePages() != HugePages.NONE || machine.trackDirtyPages()) return Optional.empty();
        return Optional.of(new VmShape(machine.memSizeMib()));
    }

    public long memSizeBytes() {
        return memSizeMib * 1024 * 1024;
    }

    /** The guest RAM regions of this shape, exactly as the builder lays them out. */
    public List<Region> ramRegions() {
        return MemoryLayout.ramRegions(memSizeBytes());
    }

    @Override
    public String toString() {
        return memSizeMib + " MiB";
    }
}
