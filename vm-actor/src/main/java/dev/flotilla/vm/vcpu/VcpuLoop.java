package dev.flotilla.vm.vcpu;

import dev.flotilla.kvm.VcpuExit;
import dev.flotilla.kvm.VcpuFd;
import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory;
import dev.flotilla.kvm.sys.NativeException;
import dev.flotilla.vm.EndReason;
import dev.flotilla.vm.bus.Bus;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KVM_RUN loop of one vCPU, run on a dedicated platform thread {@code vcpu-<vm>-<n>} (never on an
 * Akka dispatcher: KVM_RUN blocks for as long as the guest runs). MMIO and PIO exits are answered here,
 * synchronously, through the VM's buses. Control requests (pause, resume, stop) come from the
 * {@link Vcpu} actor on other threads: they go into the loop's {@link VcpuState} and kick the thread out
 * of KVM_RUN with a signal; the thread holds no lock while in KVM_RUN. The loop is a function per phase
 * ({@link #running()}, {@link #paused()}), each returning the phase that follows; finished is final.
 */
public final class VcpuLoop implements VcpuRunner, Runnable {

    private static final Logger log = LoggerFactory.getLogger(VcpuLoop.class);

    /** Exit counters by kind, for metrics: indexes into {@link #exitCounts}. */
    public enum ExitKind { IO_IN, IO_OUT, MMIO_READ, MMIO_WRITE, HLT, INTERRUPTED, OTHER }

    private final String vmId;
    private final int index;
    private final VcpuFd fd;
    private final GuestMemory memory;
    private final Bus pio;
    private final Bus mmio;
    private final VcpuEvents events;
    private final VcpuState state = new VcpuState();
    private final AtomicLongArray exitCounts = new AtomicLongArray(ExitKind.values().length);

    public VcpuLoop(String vmId, int index, VcpuFd fd, GuestMemory memory, Bus pio, Bus mmio, VcpuEvents events) {
        this.vmId = vmId;
        this.index = index;
        this.fd = fd;
        this.memory = memory;
        this.pio = pio;
        this.mmio = mmio;
        this.events = events;
    }

    private volatile Thread thread;

    @Override
    public void start() {
        Thread t = new Thread(null, this, "vcpu-" + vmId + "-" + index, 256 * 1024);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    @Override
    public boolean awaitExit(java.time.Duration timeout) {
        Thread t = thread;
        if (t == null) return true;
        try {
            t.join(Math.max(1, timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }

    @Override
    public void requestPause() {
        request(VcpuState.Request.PAUSE);
    }

    @Override
    public void requestResume() {
        request(VcpuState.Request.RESUME);
    }

    @Override
    public void requestStop() {
        request(VcpuState.Request.STOP);
    }

    private void request(VcpuState.Request r) {
        // A parked loop is woken by the offer itself. A running one is kicked out of KVM_RUN, even for a
        // resume it already obeys: its answer must not wait for the guest's next exit (a halted guest may
        // never exit). A kick that lands outside KVM_RUN ends the next KVM_RUN at once, so none is lost.
        if (state.offer(r) && state.phase() == VcpuState.Phase.RUNNING) fd.kick();
    }

    @Override
    public long exitCount(ExitKind kind) {
        return exitCounts.get(kind.ordinal());
    }

    @Override
    public void run() {
        try {
            fd.bindToCurrentThread();
            VcpuState.Phase phase = VcpuState.Phase.RUNNING;
            while (phase != VcpuState.Phase.FINISHED) {
                phase = phase == VcpuState.Phase.RUNNING ? running() : paused();
            }
        } catch (Throwable t) {
            state.finish();
            log.atError().addKeyValue("vm", vmId).addKeyValue("vcpu", index).setCause(t)
                    .log("vCPU loop failed: {}", t.toString());
            events.guestEnded(index, EndReason.of(EndReason.Kind.VMM_ERROR, "vCPU " + index + ": " + t));
        } finally {
            try {
                fd.close();   // on this (bound) thread: also drains a kick still pending (see VcpuFd#close)
            } finally {
                events.exited(index);
            }
        }
    }

    /** Runs the guest until a request waits or the guest ends the VM; returns the next phase. */
    private VcpuState.Phase running() {
        while (!state.hasRequest()) {
            EndReason end = handle(fd.run());
            if (end != null) {
                state.finish();
                events.guestEnded(index, end);
                return VcpuState.Phase.FINISHED;
            }
        }
        return apply(state.take());
    }

    /** Parked outside KVM_RUN until the next request. */
    private VcpuState.Phase paused() throws InterruptedException {
        return apply(state.awaitRequest());
    }

    private VcpuState.Phase apply(VcpuState.Step step) {
        if (step == null) return state.phase();
        if (step.from() == VcpuState.Phase.RUNNING && step.to() == VcpuState.Phase.PAUSED) tellKvmclockPaused();
        step.report(index, events);
        return step.to();
    }

    /**
     * KVM_KVMCLOCK_CTRL, as Firecracker does on pause: the guest's kvmclock learns it was stopped, so a
     * Linux guest's soft-lockup watchdog does not fire on resume. A guest without kvmclock (the call
     * answers EINVAL, {@link VcpuFd#kvmclockCtrl} false) has nothing to be told; any other failure is
     * logged and the pause goes on: a spurious watchdog warning is better than a VM that cannot pause.
     */
    private void tellKvmclockPaused() {
        try {
            fd.kvmclockCtrl();
        } catch (NativeException e) {
            log.atWarn().addKeyValue("vm", vmId).addKeyValue("vcpu", index).addKeyValue("errno", e.errno())
                    .log("vCPU paused without telling its kvmclock: {}", e.getMessage());
        }
    }

    /** Answers one exit; returns the reason the VM ends, or null to keep running. */
    private EndReason handle(VcpuExit exit) {
        // Most frequent exits first: this runs once per guest port or MMIO access.
        if (exit instanceof VcpuExit.IoOut out) {
            count(ExitKind.IO_OUT);
            byte[] data = out.data();
            if (out.size() == data.length) {
                pio.write(out.port(), data);
            } else {
                for (int off = 0; off < data.length; off += out.size()) {
                    pio.write(out.port(), Arrays.copyOfRange(data, off, off + out.size()));
                }
            }
            return null;
        }
        if (exit instanceof VcpuExit.IoIn in) {
            count(ExitKind.IO_IN);
            byte[] data = new byte[in.size() * in.count()];
            if (in.count() == 1) {
                pio.read(in.port(), data);   // the usual single `in`: no second buffer
            } else {
                byte[] one = new byte[in.size()];
                for (int i = 0; i < in.count(); i++) {
                    pio.read(in.port(), one);
                    System.arraycopy(one, 0, data, i * in.size(), in.size());
                }
            }
            fd.completeIo(data);
            return null;
        }
        if (exit instanceof VcpuExit.MmioWrite w) {
            count(ExitKind.MMIO_WRITE);
            mmio.write(w.addr(), w.data());
            return null;
        }
        if (exit instanceof VcpuExit.MmioRead rd) {
            count(ExitKind.MMIO_READ);
            byte[] data = new byte[rd.len()];
            mmio.read(rd.addr(), data);
            fd.completeIo(data);
            return null;
        }
        if (exit instanceof VcpuExit.Interrupted) {
            count(ExitKind.INTERRUPTED);
            fd.consumeKick();
            return null;
        }
        count(exit instanceof VcpuExit.Hlt ? ExitKind.HLT : ExitKind.OTHER);
        if (exit instanceof VcpuExit.Hlt) {
            // With the in-kernel irqchip KVM handles HLT itself; an exit here means a halted CPU
            // that nothing can wake.
            return EndReason.of(EndReason.Kind.POWEROFF, "vCPU " + index + " halted with nothing to wake it");
        }
        if (exit instanceof VcpuExit.Shutdown) {
            return EndReason.of(EndReason.Kind.TRIPLE_FAULT,
                    "vCPU " + index + " triple-faulted (KVM_EXIT_SHUTDOWN) at " + ripDescription());
        }
        if (exit instanceof VcpuExit.SystemEvent ev) {
            return switch (ev.type()) {
                case 1 -> EndReason.of(EndReason.Kind.POWEROFF, "");
                case 2 -> EndReason.of(EndReason.Kind.RESET, "system event");
                default -> EndReason.of(EndReason.Kind.KVM_ERROR, "system event type " + ev.type());
            };
        }
        if (exit instanceof VcpuExit.FailEntry f) {
            return EndReason.of(EndReason.Kind.KVM_ERROR, "KVM_EXIT_FAIL_ENTRY on vCPU " + index
                    + ": hardware reason 0x" + Long.toHexString(f.hardwareReason()));
        }
        if (exit instanceof VcpuExit.InternalError e) {
            return internalError(e);
        }
        return EndReason.of(EndReason.Kind.KVM_ERROR, "unexpected exit on vCPU " + index + ": " + exit);
    }

    private EndReason internalError(VcpuExit.InternalError e) {
        if (e.suberror() == 1) {
            return EndReason.of(EndReason.Kind.EMULATION_FAILURE, "KVM could not emulate the instruction at "
                    + ripDescription() + " on vCPU " + index);
        }
        return EndReason.of(EndReason.Kind.KVM_ERROR, "KVM internal error, suberror " + e.suberror()
                + " on vCPU " + index + " at " + ripDescription());
    }

    /** "rip 0x... bytes 0f 0b ..." read through the guest's page tables; best effort. */
    private String ripDescription() {
        try {
            long rip = fd.getRegs().rip;
            StringBuilder sb = new StringBuilder("rip 0x").append(Long.toHexString(rip));
            long gpa = fd.translate(rip);
            if (gpa >= 0) {
                int n = 15;
                while (n > 0 && !memory.isValid(GuestAddress.of(gpa), n)) n--;
                if (n > 0) {
                    sb.append(" bytes ").append(HexFormat.ofDelimiter(" ").formatHex(memory.read(GuestAddress.of(gpa), n)));
                }
            }
            return sb.toString();
        } catch (RuntimeException ex) {
            return "unknown rip (" + ex.getMessage() + ")";
        }
    }

    private void count(ExitKind kind) {
        exitCounts.incrementAndGet(kind.ordinal());
    }
}
