package dev.flotilla.vm.virtio;

import java.util.concurrent.atomic.LongAdder;

/** Counters of one virtio-mmio transport; written on vCPU and worker threads, read by anyone. */
public final class TransportMetrics {

    final LongAdder invalidAccesses = new LongAdder();
    final LongAdder protocolViolations = new LongAdder();
    final LongAdder featuresRefused = new LongAdder();
    final LongAdder queueSetupsRefused = new LongAdder();
    final LongAdder activations = new LongAdder();
    final LongAdder activationFailures = new LongAdder();
    final LongAdder needsReset = new LongAdder();
    final LongAdder resets = new LongAdder();
    final LongAdder notifications = new LongAdder();
    final LongAdder notificationsIgnored = new LongAdder();
    final LongAdder interrupts = new LongAdder();

    /** Accesses of a wrong width or offset, reads of write-only and writes of read-only registers. */
    public long invalidAccesses() {
        return invalidAccesses.sum();
    }

    /** Well-formed accesses out of protocol order (clearing status bits, rewriting a ready queue...). */
    public long protocolViolations() {
        return protocolViolations.sum();
    }

    /** FEATURES_OK refused: VERSION_1 missing or features the device did not offer. */
    public long featuresRefused() {
        return featuresRefused.sum();
    }

    /** QueueReady writes refused for a bad size, alignment or ring outside guest RAM. */
    public long queueSetupsRefused() {
        return queueSetupsRefused.sum();
    }

    public long activations() {
        return activations.sum();
    }

    public long activationFailures() {
        return activationFailures.sum();
    }

    /** Times the device entered NEEDS_RESET. */
    public long needsReset() {
        return needsReset.sum();
    }

    /** Driver-initiated resets (Status := 0). */
    public long resets() {
        return resets.sum();
    }

    /** Queue notifications passed to the device. */
    public long notifications() {
        return notifications.sum();
    }

    /** Queue notifications dropped: device not running, queue not ready or index out of range. */
    public long notificationsIgnored() {
        return notificationsIgnored.sum();
    }

    /** Interrupts raised (used buffer and config change). */
    public long interrupts() {
        return interrupts.sum();
    }
}
