package dev.flotilla.vm;

import dev.flotilla.vm.devices.i8042.I8042;
import dev.flotilla.vm.vcpu.VcpuEvents;
import dev.flotilla.vm.vcpu.VcpuRunner;
import java.util.List;

/**
 * What a {@link MicroVm} holds of its VM once built: a run loop per vCPU, the devices, the i8042, and the
 * release of it all. {@link VmResources} is the native one; the MicroVm unit tests build a scripted one
 * (runners that keep {@link VcpuRunner}'s contract), so each phase of the actor is tested without /dev/kvm.
 */
public interface BuiltVm extends AutoCloseable {

    int vcpuCount();

    /** The run loop of vCPU {@code index} (not started), answering on {@code events}. Once per vCPU. */
    VcpuRunner vcpuRunner(String vmId, int index, VcpuEvents events);

    List<AttachedDevice> devices();

    I8042 i8042();

    String bootSummary();

    /** Releases everything the VM holds; only once every runner has exited. */
    @Override
    void close();
}
