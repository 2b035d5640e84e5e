package dev.flotilla.vm.virtio;

/** The registers the driver programs for one queue of a virtio-mmio transport. Guarded by the transport's lock. */
final class QueueRegisters {

    final int maxSize;
    int size;
    boolean ready;
    long desc;
    long driver;
    long device;

    QueueRegisters(int maxSize) {
        this.maxSize = maxSize;
    }

    void clear() {
        size = 0;
        ready = false;
        desc = 0;
        driver = 0;
        device = 0;
    }

    QueueLayout layout() {
        return new QueueLayout(size, desc, driver, device);
    }
}
