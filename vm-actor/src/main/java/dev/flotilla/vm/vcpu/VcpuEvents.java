package dev.flotilla.vm.vcpu;

import dev.flotilla.vm.EndReason;

/**
 * What a {@link VcpuRunner} reports, from its own thread, in order (see its contract). The {@link Vcpu}
 * actor implements it by telling itself messages, so nothing here may block.
 */
public interface VcpuEvents {
    /** The answer to one pause request: the loop is parked outside KVM_RUN (it may have been already). */
    void paused(int index);

    /** The answer to one resume request: the loop runs the guest again (it may have been already). */
    void resumed(int index);

    /** The guest (or KVM) ended the VM from this vCPU: reset, power-off, triple fault, emulation failure. */
    void guestEnded(int index, EndReason reason);

    /** The loop has left KVM_RUN for good and released its vCPU fd. Always the last call. */
    void exited(int index);
}
