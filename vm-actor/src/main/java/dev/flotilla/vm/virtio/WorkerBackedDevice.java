package dev.flotilla.vm.virtio;

import dev.flotilla.kvm.EventFd;
import dev.flotilla.kvm.memory.GuestMemory;
import java.util.function.BiConsumer;

/**
 * A virtio device whose data path runs on its own {@link DeviceWorker}. It owns one eventfd per queue
 * (the VM registers them as KVM ioeventfds on QueueNotify, so guest kicks wake the worker without a VM
 * exit; an MMIO QueueNotify that does reach the transport wakes it by hand). Subclasses implement the
 * device model: {@link #queueKicked(int)} and friends run on the worker thread only, so a device's
 * data-path state needs no locks of its own; control-plane updates (rate limiter, backing file) are
 * handed over through volatile fields or the worker's deadline wake-up.
 */
public abstract class WorkerBackedDevice implements VirtioDevice, DeviceWorker.Handler, AutoCloseable {

    protected final String name;
    protected final DeviceWorker worker;
    private final EventFd[] queueEvents;
    private volatile BiConsumer<String, Throwable> failureListener = (n, t) -> { };

    protected volatile ActivatedQueues queues;
    protected volatile GuestMemory memory;
    protected volatile Interrupts interrupts;
    /** A reset found the worker still busy: the fields above belong to it until it has ended. vCPU threads, under the transport lock. */
    private boolean staleActivation;

    protected WorkerBackedDevice(String name, int queueCount) {
        this(name, queueCount, DeviceWorker.Budget.DEFAULT, DeviceWorker.DEFAULT_STOP_GRACE);
    }

    /**
     * @param budget    what one turn of the worker may take (see {@link DeviceWorker#mayTakeChain()})
     * @param stopGrace how long a reset waits for the worker before refusing the next activation instead
     */
    protected WorkerBackedDevice(String name, int queueCount, DeviceWorker.Budget budget, java.time.Duration stopGrace) {
        this.name = name;
        this.queueEvents = new EventFd[queueCount];
        try {
            for (int q = 0; q < queueCount; q++) queueEvents[q] = EventFd.create(true);
            this.worker = new DeviceWorker(name, queueEvents, this::workerFailed, budget, stopGrace);
        } catch (RuntimeException e) {
            for (EventFd ev : queueEvents) if (ev != null) ev.close();
            throw e;
        }
    }

    public String name() {
        return name;
    }

    /** The eventfd of queue {@code q}, for KVM_IOEVENTFD. */
    public EventFd queueEventFd(int q) {
        return queueEvents[q];
    }

    @Override
    public int queueCount() {
        return queueEvents.length;
    }

    /** Where data-path failures go (the device's actor); called on the worker thread. */
    public void onFailure(BiConsumer<String, Throwable> listener) {
        this.failureListener = listener;
    }

    @Override
    public final void activate(ActivatedQueues q, GuestMemory mem, Interrupts irq) throws VirtioActivationException {
        checkActivation(q);
        if (staleActivation) {
            if (worker.threadAlive()) {
                throw new VirtioActivationException(name + ": the worker is still finishing a request from before the "
                        + "last reset; reset the device again once it completes");
            }
            forgetActivation();
        }
        this.queues = q;
        this.memory = mem;
        this.interrupts = irq;
        activated();
        try {
            worker.start(this);
        } catch (DeviceWorker.StillRunningException e) {
            throw new VirtioActivationException(name + ": " + e.getMessage());
        }
    }

    /** Refuses an activation the device cannot serve (e.g. a required queue missing). Default: all queues ready. */
    protected void checkActivation(ActivatedQueues q) throws VirtioActivationException {
        if (!q.allReady()) throw new VirtioActivationException(name + " needs all " + q.count() + " queues set up");
    }

    /** Called on activation, before the worker starts. */
    protected void activated() {
    }

    @Override
    public final void queueNotified(int q) {
        worker.kick(q);
    }

    /**
     * Stops the worker. If it is still finishing a chain after the stop grace it keeps the old queues
     * (it stops before the next chain); they are forgotten, and {@link #deactivated()} runs, once it has
     * ended, at the latest on the next activation, which is refused while it runs.
     */
    @Override
    public final void reset() {
        if (!worker.stop()) {
            staleActivation = true;
            return;
        }
        forgetActivation();
    }

    private void forgetActivation() {
        staleActivation = false;
        queues = null;
        memory = null;
        interrupts = null;
        deactivated();
    }

    /** Asks the worker to end after its current chain; part of the VM's release ({@link DeviceWorker}'s contract). Any thread. */
    public void requestStop() {
        worker.requestStop();
    }

    /** Waits without limit for the worker thread to end (logging while it takes long); see {@link DeviceWorker#stopAndWait()}. */
    public void awaitStopped() {
        worker.stopAndWait();
    }

    /** Called after the worker stopped on reset: forget negotiated state. */
    protected void deactivated() {
    }

    /** Completes a chain and interrupts the driver if it asked for it. Worker thread. */
    protected final void complete(SplitQueue queue, DescriptorChain chain, int written) {
        queue.addUsed(chain, written);
        if (queue.needsNotification()) {
            Interrupts irq = interrupts;
            if (irq != null) irq.signalUsedBuffer(queue.index());
        }
    }

    private void workerFailed(Throwable t) {
        Interrupts irq = interrupts;
        if (irq != null) irq.signalNeedsReset(name + ": " + t);
        failureListener.accept(name, t);
    }

    @Override
    public void close() {
        worker.close();
        for (EventFd ev : queueEvents) ev.close();
    }
}
