package dev.flotilla.vm;

import dev.flotilla.kvm.VcpuFd;
import dev.flotilla.kvm.VmFd;
import dev.flotilla.kvm.memory.MmapGuestMemory;
import dev.flotilla.vm.bus.Bus;
import dev.flotilla.vm.console.ConsoleSink;
import dev.flotilla.vm.devices.i8042.I8042;
import dev.flotilla.vm.vcpu.VcpuEvents;
import dev.flotilla.vm.vcpu.VcpuLoop;
import dev.flotilla.vm.vcpu.VcpuRunner;
import java.util.List;
import java.util.Objects;

/**
 * Everything native one running microVM holds, built by {@link VmBuilder} and released by {@link #close()}.
 * The vCPU fds are normally closed by their own loops (each on its thread, after leaving KVM_RUN);
 * {@link #close()} must be called only after every loop has exited, and then closes the vCPU fds no loop
 * closed (a VM stopped while starting never got loops; the close is idempotent), the eventfds and other
 * owned handles, the VM fd, and unmaps guest RAM.
 */
public record VmResources(VmFd vm, MmapGuestMemory memory, List<VcpuFd> vcpus, Bus pio, Bus mmio,
                          ConsoleSink console, I8042 i8042, String bootSummary, List<AutoCloseable> owned,
                          List<AttachedDevice> devices)
        implements BuiltVm {

    public VmResources {
        Objects.requireNonNull(vm);
        Objects.requireNonNull(memory);
        vcpus = List.copyOf(vcpus);
        owned = List.copyOf(owned);
        devices = List.copyOf(devices);
    }

    @Override
    public int vcpuCount() {
        return vcpus.size();
    }

    @Override
    public VcpuRunner vcpuRunner(String vmId, int index, VcpuEvents events) {
        return new VcpuLoop(vmId, index, vcpus.get(index), memory, pio, mmio, events);
    }

    @Override
    public void close() {
        try {
            // each open vCPU fd pins the whole VM in the kernel, and its kvm_run stays mapped
            vcpus.forEach(VcpuFd::close);
            for (AutoCloseable c : owned) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IllegalStateException("releasing " + c + ": " + e.getMessage(), e);
                }
            }
        } finally {
            try {
                vm.close();
            } finally {
                memory.close();
            }
        }
    }
}
