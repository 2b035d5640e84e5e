package dev.flotilla.vm.virtio;

/**
 * A driver request the queue refused, for the device's log and the VM's error report.
 *
 * @param queue  queue index within the device
 * @param head   head descriptor index, or -1 when the fault is about the ring rather than a chain
 * @param fault  what was wrong
 * @param detail the offending values, for a human
 */
public record MalformedChain(int queue, int head, ChainFault fault, String detail) {

    @Override
    public String toString() {
        return "queue " + queue + (head >= 0 ? " chain " + head : "") + ": " + fault + " (" + detail + ")";
    }
}
