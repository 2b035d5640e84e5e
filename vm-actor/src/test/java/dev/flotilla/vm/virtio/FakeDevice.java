package dev.flotilla.vm.virtio;

import dev.flotilla.kvm.memory.GuestMemory;
import java.util.ArrayList;
import java.util.List;

/** A block-typed device with an 8-byte config space that records what the transport asks of it. */
final class FakeDevice implements VirtioDevice {

    static final long FEATURE_RO = 1L << 5;
    final byte[] config = {1, 2, 3, 4, 5, 6, 7, 8};
    final List<Integer> notified = new ArrayList<>();
    long features = FEATURE_RO | VirtioFeatures.RING_INDIRECT_DESC | VirtioFeatures.RING_EVENT_IDX;
    ActivatedQueues activated;
    Interrupts irq;
    int activations;
    int resets;
    String refuseActivation;

    @Override
    public int deviceType() {
        return 2;
    }

    @Override
    public long deviceFeatures() {
        return features;
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public int queueMaxSize(int q) {
        return 256;
    }

    @Override
    public void readConfig(long offset, byte[] data) {
        for (int i = 0; i < data.length && offset + i < config.length; i++) {
            data[i] = config[(int) offset + i];
        }
    }

    @Override
    public void writeConfig(long offset, byte[] data) {
        for (int i = 0; i < data.length && offset + i < config.length; i++) {
            config[(int) offset + i] = data[i];
        }
    }

    @Override
    public void activate(ActivatedQueues queues, GuestMemory mem, Interrupts irq) throws VirtioActivationException {
        if (refuseActivation != null) {
            throw new VirtioActivationException(refuseActivation);
        }
        activations++;
        this.activated = queues;
        this.irq = irq;
    }

    @Override
    public void queueNotified(int q) {
        notified.add(q);
    }

    @Override
    public void reset() {
        resets++;
        activated = null;
    }
}
