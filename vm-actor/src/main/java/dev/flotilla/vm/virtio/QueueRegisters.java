package dev.flotilla.vm.virtio;

import dev.flotilla.kvm.memory.GuestMemory;
import java.util.Optional;

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

    /** Queue {@code q} of {@code device}, whose maximum size must be a power of two the split ring allows. */
    static QueueRegisters of(VirtioDevice device, int q) {
        int max = device.queueMaxSize(q);
        if (max <= 0 || max > QueueLayout.MAX_SIZE || Integer.bitCount(max) != 1) {
            throw new IllegalArgumentException("VirtioMmioTransport: device type " + device.deviceType()
                    + " queue " + q + " max size " + max + " must be a power of two in 1..32768");
        }
        return new QueueRegisters(max);
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

    /** Why these registers do not describe a usable queue in {@code mem}, or empty if they do. */
    Optional<String> setupProblem(GuestMemory mem) {
        return layout().problem(mem, maxSize);
    }

    /** The registers and, if the device runs this queue, its ring positions ({@code live} null: 0, 0). */
    VirtioMmioState.Queue save(SplitQueue live) {
        return new VirtioMmioState.Queue(size, ready, desc, driver, device,
                live == null ? 0 : live.nextAvail(), live == null ? 0 : live.nextUsed());
    }

    /**
     * The registers as saved, ready again only if they still describe a usable queue in {@code mem}.
     *
     * @throws IllegalArgumentException if a ready queue does not fit {@code mem}
     */
    void restore(int q, VirtioMmioState.Queue s, GuestMemory mem) {
        size = s.size();
        desc = s.desc();
        driver = s.driver();
        device = s.device();
        if (s.ready()) {
            Optional<String> problem = setupProblem(mem);
            if (problem.isPresent()) {
                throw new IllegalArgumentException("VirtioMmioTransport.restore: queue " + q + ": "
                        + problem.get() + "; the snapshot does not match this guest memory");
            }
            ready = true;
        }
    }
}
