package dev.flotilla.vm.virtio;

/**
 * What the transport reports about its driver, for the VM's log. Called on vCPU or device worker
 * threads, possibly with the transport's lock held: implementations must be quick and must not
 * call back into the transport. Every method defaults to doing nothing.
 */
public interface TransportEvents {

    TransportEvents NONE = new TransportEvents() { };

    /** The driver did something the transport refused or ignored (bad access, bad set-up). */
    default void refused(String what) {
    }

    /** A queue refused a chain. */
    default void malformedChain(MalformedChain chain) {
    }

    /** The device entered NEEDS_RESET. */
    default void needsReset(String reason) {
    }
}
