package dev.flotilla.vm;

import dev.flotilla.vm.bus.IrqTrigger;
import dev.flotilla.vm.devices.i8042.I8042;
import dev.flotilla.vm.vcpu.VcpuEvents;
import dev.flotilla.vm.vcpu.VcpuRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A built VM without KVM for MicroVm's unit tests: {@link ScriptedVcpu}s, a real i8042, no virtio devices.
 * Its release checks what the native one relies on: it comes once, and only after every vCPU has exited.
 */
final class ScriptedVm implements BuiltVm {

    private final int vcpuCount;
    final List<ScriptedVcpu> vcpus = new CopyOnWriteArrayList<>();
    private final I8042 i8042 = new I8042(IrqTrigger.NONE, () -> { });
    /** Completes at the release with what was wrong about it (empty: released once, after every vCPU exited). */
    final CompletableFuture<List<String>> released = new CompletableFuture<>();

    ScriptedVm(int vcpuCount) {
        this.vcpuCount = vcpuCount;
    }

    @Override
    public int vcpuCount() {
        return vcpuCount;
    }

    @Override
    public VcpuRunner vcpuRunner(String vmId, int index, VcpuEvents events) {
        ScriptedVcpu v = new ScriptedVcpu(vmId, index, events);
        vcpus.add(v);
        return v;
    }

    @Override
    public List<AttachedDevice> devices() {
        return List.of();
    }

    @Override
    public I8042 i8042() {
        return i8042;
    }

    @Override
    public String bootSummary() {
        return "scripted, " + vcpuCount + " vCPUs";
    }

    @Override
    public void close() {
        List<String> wrong = new ArrayList<>();
        for (ScriptedVcpu v : vcpus) if (!v.exited()) wrong.add("released while a vCPU had not exited");
        if (!released.complete(wrong)) throw new IllegalStateException("released twice");
    }

    void holdAll() {
        vcpus.forEach(ScriptedVcpu::hold);
    }

    void releaseAll() {
        vcpus.forEach(ScriptedVcpu::release);
    }
}
