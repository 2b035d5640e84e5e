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
 * {@link #close()} must be called only after every loop has exited.
 * <p>Release order, the same for every VM and every device: first every device worker of the VM is asked
 * to stop (all at once) and awaited without limit — a worker finishing a guest's huge request delays the
 * release, it is never raced — and only then are the vCPU fds no loop closed (a VM stopped while starting
 * never got loops; the close is idempotent), the devices' fds and epoll buffers, the other owned handles
 * and the VM fd closed, and guest RAM unmapped last. So no thread of the VM can touch a freed buffer, or
 * guest RAM whose addresses the next VM (a warm pool's) may already have mapped.
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
        awaitDeviceThreads();
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

    /** Stops every device worker and waits, without limit, until each thread has ended. */
    private void awaitDeviceThreads() {
        devices.forEach(d -> d.device().requestStop());   // all at once: they wind down in parallel
        devices.forEach(d -> d.device().awaitStopped());
    }
}
