package dev.flotilla.vm.vcpu;

import dev.flotilla.vm.EndReason;

/**
 * What a {@link VcpuLoop} reports, from its own platform thread. The {@link Vcpu} actor implements it by
 * telling itself messages, so nothing here may block.
 */
public interface VcpuEvents {
    /** The loop is parked outside KVM_RUN after a pause request. */
    void paused(int index);

    /** The loop is back in KVM_RUN after a resume. */
    void resumed(int index);

    /** The guest (or KVM) ended the VM from this vCPU: reset, power-off, triple fault, emulation failure. */
    void guestEnded(int index, EndReason reason);

    /** The loop has left KVM_RUN for good and released its vCPU fd. Always the last call. */
    void exited(int index);
}
