package dev.flotilla.vm.vcpu;

import java.util.ArrayDeque;

/**
 * The control state machine of one vCPU run loop: the phase the loop is in (running ⇄ paused → finished)
 * and the requests it has not taken yet. Control threads only {@link #offer} requests; only the loop's
 * own thread takes them ({@link #take}, {@link #awaitRequest}) and so moves the phase, which is therefore
 * always what the loop really does. Requests are taken in the order offered, each exactly once, so each
 * pause or resume gets its own answer ({@link Step#report}).
 * <p>Finished is final. Once STOP is offered every later request is refused, the loop's next take is
 * STOP whatever was queued before it (those requests are dropped, never answered), and no request can
 * take the loop out of finished again. A loop that ends by itself (the guest ended the VM) is finished
 * the same way ({@link #finish}).
 * <p>Thread-safety: every method may be called from any thread; the monitor is held only briefly, never
 * across KVM_RUN.
 */
public final class VcpuState {

    /** Where the loop is. A function of the phase and a request, as Firecracker's vCPU is a function per state. */
    public enum Phase {
        RUNNING, PAUSED, FINISHED;

        /** The phase {@code request} leads to from this one; FINISHED absorbs every request. */
        public Phase on(Request request) {
            if (this == FINISHED || request == Request.STOP) return FINISHED;
            return request == Request.PAUSE ? PAUSED : RUNNING;
        }
    }

    public enum Request { PAUSE, RESUME, STOP }

    /** One request taken by the loop: the phase it left and the one it is in now. */
    public record Step(Phase from, Request request, Phase to) {

        /**
         * Answers the request on {@code events}: paused once the loop is outside the guest (also when it
         * already was), resumed once it runs the guest again (also when it already did); nothing for STOP
         * (the loop's exit is its answer).
         */
        public void report(int index, VcpuEvents events) {
            switch (to) {
                case PAUSED -> events.paused(index);
                case RUNNING -> events.resumed(index);
                case FINISHED -> { }
            }
        }
    }

    private final ArrayDeque<Request> queued = new ArrayDeque<>();
    private boolean stopOffered;
    private Phase phase = Phase.RUNNING;
    /** A request waits: read by the loop before every KVM_RUN, without the monitor. */
    private volatile boolean pending;

    /**
     * Hands a request to the loop. Returns false if it is refused: STOP was offered already or the loop
     * has finished (a stopped vCPU stays stopped).
     */
    public synchronized boolean offer(Request request) {
        if (stopOffered || phase == Phase.FINISHED) return false;
        if (request == Request.STOP) {
            stopOffered = true;
            queued.clear();
        } else {
            queued.add(request);
        }
        pending = true;
        notifyAll();
        return true;
    }

    /** Loop thread, once per exit: whether a request waits to be taken (one volatile read). */
    public boolean hasRequest() {
        return pending;
    }

    /** Loop thread: takes the next request and moves to the phase it leads to; null if none waits. */
    public synchronized Step take() {
        Request r = stopOffered ? Request.STOP : queued.poll();
        if (r == null || phase == Phase.FINISHED) {
            pending = false;
            return null;
        }
        Phase from = phase;
        phase = from.on(r);
        pending = phase != Phase.FINISHED && !queued.isEmpty();
        return new Step(from, r, phase);
    }

    /** Loop thread, while paused (nothing to run): waits for the next request and takes it. */
    public synchronized Step awaitRequest() throws InterruptedException {
        while (!stopOffered && queued.isEmpty() && phase != Phase.FINISHED) wait();
        return take();
    }

    /** Loop thread: the loop ends without a STOP (the guest ended the VM, or the loop failed). */
    public synchronized void finish() {
        phase = Phase.FINISHED;
        queued.clear();
        pending = false;
        notifyAll();
    }

    public synchronized Phase phase() {
        return phase;
    }
}
