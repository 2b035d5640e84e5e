package dev.flotilla.kvm;

import com.kenai.jffi.MemoryIO;
import dev.flotilla.kvm.sys.CpuidLayout;
import dev.flotilla.kvm.sys.Errno;
import dev.flotilla.kvm.sys.KvmIoctls;
import dev.flotilla.kvm.sys.KvmRunLayout;
import dev.flotilla.kvm.sys.KvmStructs;
import dev.flotilla.kvm.sys.LibC;
import dev.flotilla.kvm.sys.MsrsLayout;
import dev.flotilla.kvm.sys.Native;
import dev.flotilla.kvm.sys.NativeException;
import dev.flotilla.kvm.sys.NativeStruct;
import dev.flotilla.kvm.sys.RegsLayout;
import dev.flotilla.kvm.x86.CpuidEntry;
import dev.flotilla.kvm.x86.MsrEntry;
import dev.flotilla.kvm.x86.Regs;
import dev.flotilla.kvm.x86.Sregs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * A vCPU fd and its mmap'd {@code kvm_run}.
 * <p>Thread-safety: {@link #run()}, {@link #completeIo}, {@link #bindToCurrentThread()},
 * {@link #consumeKick()} and {@link #unbindFromCurrentThread()} belong to the one platform thread that
 * drives this vCPU. {@link #kick()} is for any thread. Register accessors (getRegs, setMsrs, ...) may
 * be called from any thread while the vCPU is not inside KVM_RUN (KVM would block them until it left);
 * the usual caller is the vCPU thread itself. {@link #close()} only after the vCPU thread has left its
 * run loop, and before the VM's fd and guest memory are closed.
 * <p>The run loop:
 * <pre>{@code
 * vcpu.bindToCurrentThread();
 * try {
 *     while (running) {
 *         switch (vcpu.run()) {
 *             case VcpuExit.IoIn in -> vcpu.completeIo(bus.pioRead(in.port(), in.length()));
 *             case VcpuExit.Interrupted i -> { vcpu.consumeKick(); handleControlMessages(); }
 *             ...
 *         }
 *     }
 * } finally { vcpu.unbindFromCurrentThread(); }
 * }</pre>
 * Kicks need no {@code immediate_exit}: a kick sent while the thread is outside KVM_RUN stays pending
 * and ends the next KVM_RUN at once (VcpuKickIT checks both cases; ~0.1 ms from kick() to run()
 * returning on this kvm_pvm host). {@link #setImmediateExit} is still there for the snapshot path
 * (complete pending I/O without entering the guest).
 */
public final class VcpuFd implements AutoCloseable {

    /** FNINIT's control word and the power-on MXCSR (all SSE exceptions masked). */
    public static final int DEFAULT_FCW = 0x37f;
    public static final int DEFAULT_MXCSR = 0x1f80;

    private static final LibC LIBC = Native.libc();

    private final OwnedFd fd;
    private final int id;
    private final long runAddress;
    private final int runSize;
    private final ByteBuffer run;
    private volatile boolean unmapped;

    private final KvmRunDecoder exits;

    private final Object kickLock = new Object();
    private int boundPid;
    private int boundTid;
    private Thread boundThread;

    private VcpuFd(int fd, int id, long runAddress, int runSize) {
        this.fd = new OwnedFd(fd, "vCPU " + id);
        this.id = id;
        this.runAddress = runAddress;
        this.runSize = runSize;
        this.run = MemoryIO.getInstance().newDirectByteBuffer(runAddress, runSize).order(ByteOrder.LITTLE_ENDIAN);
        this.exits = new KvmRunDecoder(run, "vCPU " + id);
    }

    static VcpuFd create(int fd, int id, int mmapSize) {
        long addr = LIBC.mmap(null, mmapSize, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, 0);
        if (addr == LibC.MAP_FAILED) {
            int e = Native.errno();
            Native.closeQuietly(fd);
            throw NativeException.of("mmap(kvm_run of vCPU " + id + ")", e);
        }
        return new VcpuFd(fd, id, addr, mmapSize);
    }

    public int id() {
        return id;
    }

    public int fd() {
        return fd.get();
    }

    // ---------------------------------------------------------------- run loop

    /**
     * One KVM_RUN. Returns the decoded exit; {@link VcpuExit.Interrupted} if it was kicked (EINTR).
     * Any other failure throws {@link NativeException}.
     */
    public VcpuExit run() {
        int r = LIBC.ioctl(fd.get(), KvmIoctls.KVM_RUN, 0);
        if (r < 0) {
            int e = Native.errno();
            if (e == Errno.EINTR) return VcpuExit.INTERRUPTED;
            throw NativeException.of("KVM_RUN(vCPU " + id + ")", e);
        }
        return decode();
    }

    private VcpuExit decode() {
        return exits.decode();
    }

    /**
     * Answers the last {@link VcpuExit.IoIn} or {@link VcpuExit.MmioRead}: {@code data} must have exactly
     * the requested length. KVM hands it to the guest at the start of the next {@link #run()}.
     */
    public void completeIo(byte[] data) {
        exits.complete(data);
    }

    /** {@link #completeIo(byte[])} for reads of 1..8 bytes, little-endian, without an array. */
    public void completeIo(long value) {
        exits.complete(value);
    }

    /** kvm_run.immediate_exit: when set, the next KVM_RUN returns EINTR at once (after completing I/O). */
    public void setImmediateExit(boolean on) {
        run.put(KvmRunLayout.IMMEDIATE_EXIT, (byte) (on ? 1 : 0));
    }

    // ---------------------------------------------------------------- kicking

    /**
     * Makes the calling thread this vCPU's run thread: blocks {@link KickSignal#SIGNAL} in it and has KVM
     * unblock it only during KVM_RUN (see {@link KickSignal}). Call once, on the dedicated platform thread,
     * before the first {@link #run()}.
     */
    public void bindToCurrentThread() {
        synchronized (kickLock) {
            if (boundThread != null && boundThread != Thread.currentThread()) {
                throw new IllegalStateException("vCPU " + id + " is already bound to " + boundThread.getName());
            }
            long threadMask = KickSignal.blockInCurrentThread();
            try (NativeStruct s = new NativeStruct(KvmStructs.KVM_SIGNAL_MASK_SIZE)) {
                KvmStructs.signalMask(s.buffer(), KickSignal.runMask(threadMask));
                Native.ioctl(fd.get(), KvmIoctls.KVM_SET_SIGNAL_MASK, s.address(), "KVM_SET_SIGNAL_MASK");
            }
            KickSignal.drain();
            boundPid = LIBC.getpid();
            boundTid = LIBC.gettid();
            boundThread = Thread.currentThread();
        }
    }

    /**
     * Kicks the bound thread out of KVM_RUN (or makes its next KVM_RUN return at once): the run
     * returns {@link VcpuExit.Interrupted}. Any thread. Returns false (and sends nothing) if no thread
     * is bound or the bound thread has died.
     */
    public boolean kick() {
        synchronized (kickLock) {
            // A thread that died without unbinding: its tid may be reused by a thread that does not
            // block the signal, and a delivered RT signal with no handler ends the process.
            if (boundTid == 0 || !boundThread.isAlive()) return false;
            KickSignal.send(boundPid, boundTid);
            return true;
        }
    }

    /**
     * Takes pending kicks off the bound thread, so the next KVM_RUN is not interrupted again. Call on
     * the bound thread after {@link VcpuExit.Interrupted}. Returns true if a kick was pending.
     */
    public boolean consumeKick() {
        requireBoundThread("consumeKick");
        return KickSignal.drain();
    }

    /**
     * Detaches the calling (bound) thread: no more kicks are sent to it, and a pending one is drained.
     * The signal stays blocked in this thread (unblocking a pending one would kill the process).
     */
    public void unbindFromCurrentThread() {
        synchronized (kickLock) {
            requireBoundThread("unbindFromCurrentThread");
            boundTid = 0;
            boundThread = null;
        }
        KickSignal.drain();
    }

    private void requireBoundThread(String what) {
        Thread t;
        synchronized (kickLock) {
            t = boundThread;
        }
        if (t != Thread.currentThread()) {
            throw new IllegalStateException(what + " must run on the thread bound to vCPU " + id);
        }
    }

    // ---------------------------------------------------------------- registers and state

    public Regs getRegs() {
        try (NativeStruct s = new NativeStruct(KvmStructs.KVM_REGS_SIZE)) {
            Native.ioctl(fd.get(), KvmIoctls.KVM_GET_REGS, s.address(), "KVM_GET_REGS");
            return RegsLayout.readRegs(s.buffer());
        }
    }

    public void setRegs(Regs regs) {
        try (NativeStruct s = new NativeStruct(KvmStructs.KVM_REGS_SIZE)) {
            RegsLayout.writeRegs(s.buffer(), regs);
            Native.ioctl(fd.get(), KvmIoctls.KVM_SET_REGS, s.address(), "KVM_SET_REGS");
        }
    }

    public Sregs getSregs() {
        try (NativeStruct s = new NativeStruct(KvmStructs.KVM_SREGS_SIZE)) {
            Native.ioctl(fd.get(), KvmIoctls.KVM_GET_SREGS, s.address(), "KVM_GET_SREGS");
            return RegsLayout.readSregs(s.buffer());
        }
    }

    public void setSregs(Sregs sregs) {
        try (NativeStruct s = new NativeStruct(KvmStructs.KVM_SREGS_SIZE)) {
            RegsLayout.writeSregs(s.buffer(), sregs);
            Native.ioctl(fd.get(), KvmIoctls.KVM_SET_SREGS, s.address(), "KVM_SET_SREGS");
        }
    }

    /** KVM_SET_CPUID2: the CPUID table the guest sees (at most {@link CpuidLayout#MAX_ENTRIES}). */
    public void setCpuid2(List<CpuidEntry> entries) {
        if (entries.size() > CpuidLayout.MAX_ENTRIES) {
            throw new IllegalArgumentException("KVM_SET_CPUID2: " + entries.size() + " entries, KVM takes at most "
                    + CpuidLayout.MAX_ENTRIES);
        }
        try (NativeStruct s = new NativeStruct(CpuidLayout.size(entries.size()))) {
            CpuidLayout.write(s.buffer(), entries);
            Native.ioctl(fd.get(), KvmIoctls.KVM_SET_CPUID2, s.address(), "KVM_SET_CPUID2");
        }
    }

    /** KVM_GET_CPUID2: the table last set (empty if none was). */
    public List<CpuidEntry> getCpuid2() {
        try (NativeStruct s = new NativeStruct(CpuidLayout.size(CpuidLayout.MAX_ENTRIES))) {
            CpuidLayout.prepareRead(s.buffer(), CpuidLayout.MAX_ENTRIES);
            Native.ioctl(fd.get(), KvmIoctls.KVM_GET_CPUID2, s.address(), "KVM_GET_CPUID2");
            return CpuidLayout.read(s.buffer());
        }
    }

    /** KVM_SET_MSRS; throws if KVM refused any of them, naming the first refused MSR. */
    public void setMsrs(List<MsrEntry> msrs) {
        if (msrs.isEmpty()) return;
        try (NativeStruct s = new NativeStruct(MsrsLayout.size(msrs.size()))) {
            MsrsLayout.write(s.buffer(), msrs);
            int n = Native.ioctl(fd.get(), KvmIoctls.KVM_SET_MSRS, s.address(), "KVM_SET_MSRS");
            if (n != msrs.size()) {
                throw new NativeException("KVM_SET_MSRS", 0, "KVM set %d of %d MSRs; it refused 0x%x (value 0x%x)"
                        .formatted(n, msrs.size(), msrs.get(n).index(), msrs.get(n).data()));
            }
        }
    }

    /** KVM_GET_MSRS for the given indices, in order; throws if KVM cannot read one of them. */
    public List<MsrEntry> getMsrs(int... indices) {
        if (indices.length == 0) return List.of();
        try (NativeStruct s = new NativeStruct(MsrsLayout.size(indices.length))) {
            MsrsLayout.write(s.buffer(), Arrays.stream(indices).mapToObj(i -> new MsrEntry(i, 0)).toList());
            int n = Native.ioctl(fd.get(), KvmIoctls.KVM_GET_MSRS, s.address(), "KVM_GET_MSRS");
            if (n != indices.length) {
                throw new NativeException("KVM_GET_MSRS", 0, "KVM read %d of %d MSRs; it cannot read 0x%x"
                        .formatted(n, indices.length, indices[n]));
            }
            return MsrsLayout.read(s.buffer(), n);
        }
    }

    /**
     * KVM_SET_FPU with the given x87 control word and MXCSR, everything else zero. Note: the kernel
     * copies every field of {@code kvm_fpu} except mxcsr (in both KVM_SET_FPU and KVM_GET_FPU; measured
     * here, and so in its source), so the guest keeps the MXCSR it has (0x1f80 after vCPU reset);
     * the value is still passed for kernels that honour it.
     */
    public void setFpu(int fcw, int mxcsr) {
        try (NativeStruct s = new NativeStruct(KvmStructs.KVM_FPU_SIZE)) {
            RegsLayout.writeFpuControl(s.buffer(), fcw, mxcsr);
            Native.ioctl(fd.get(), KvmIoctls.KVM_SET_FPU, s.address(), "KVM_SET_FPU");
        }
    }

    /** The FPU state at reset: fcw 0x37f, mxcsr 0x1f80. */
    public void initFpu() {
        setFpu(DEFAULT_FCW, DEFAULT_MXCSR);
    }

    /** KVM_GET_FPU as the raw 416-byte {@code struct kvm_fpu} (fcw at 128; mxcsr at 408 is not filled in by KVM). */
    public byte[] getFpu() {
        return getRaw(KvmIoctls.KVM_GET_FPU, KvmStructs.KVM_FPU_SIZE, "KVM_GET_FPU");
    }

    /** KVM_GET_LAPIC: the 1024-byte LAPIC register page. Needs the in-kernel irqchip. */
    public byte[] getLapic() {
        return getRaw(KvmIoctls.KVM_GET_LAPIC, KvmStructs.KVM_LAPIC_STATE_SIZE, "KVM_GET_LAPIC");
    }

    public void setLapic(byte[] lapic) {
        setRaw(KvmIoctls.KVM_SET_LAPIC, KvmStructs.KVM_LAPIC_STATE_SIZE, lapic, "KVM_SET_LAPIC");
    }

    /** KVM_GET_MP_STATE: one of {@code KvmStructs.KVM_MP_STATE_*} (RUNNABLE 0, HALTED 3, ...). */
    public int getMpState() {
        try (NativeStruct s = new NativeStruct(KvmStructs.KVM_MP_STATE_SIZE)) {
            Native.ioctl(fd.get(), KvmIoctls.KVM_GET_MP_STATE, s.address(), "KVM_GET_MP_STATE");
            return s.buffer().getInt(0);
        }
    }

    public void setMpState(int state) {
        try (NativeStruct s = new NativeStruct(KvmStructs.KVM_MP_STATE_SIZE)) {
            s.buffer().putInt(0, state);
            Native.ioctl(fd.get(), KvmIoctls.KVM_SET_MP_STATE, s.address(), "KVM_SET_MP_STATE");
        }
    }

    /** KVM_TRANSLATE: the guest-physical address of a guest-virtual one, or -1 if it is not mapped. */
    public long translate(long gva) {
        try (NativeStruct s = new NativeStruct(KvmStructs.KVM_TRANSLATION_SIZE)) {
            s.buffer().putLong(0, gva);
            Native.ioctl(fd.get(), KvmIoctls.KVM_TRANSLATE, s.address(), "KVM_TRANSLATE(0x" + Long.toHexString(gva) + ")");
            return s.buffer().get(KvmStructs.KVM_TRANSLATION_VALID) != 0
                    ? s.buffer().getLong(KvmStructs.KVM_TRANSLATION_PHYSICAL) : -1;
        }
    }

    /**
     * KVM_KVMCLOCK_CTRL: tells the guest's kvmclock that the VMM paused this vCPU, so that at its next entry
     * KVM sets PVCLOCK_GUEST_STOPPED in the guest's clock record and a Linux guest's soft-lockup watchdog
     * does not take the pause for a hung CPU. Returns false when the guest has not enabled kvmclock (KVM
     * answers EINVAL: there is no clock to tell); any other failure throws.
     */
    public boolean kvmclockCtrl() {
        int r = LIBC.ioctl(fd.get(), KvmIoctls.KVM_KVMCLOCK_CTRL, 0);
        if (r == 0) return true;
        int e = Native.errno();
        // EINVAL is exactly "this vCPU has no kvmclock" (pv_time not active): nothing to tell, not an error
        if (e == Errno.EINVAL) return false;
        throw NativeException.of("KVM_KVMCLOCK_CTRL(vCPU " + id + ")", e);
    }

    // Opaque state for snapshots: saved and restored as the kernel gives it, never interpreted.

    /** KVM_GET_VCPU_EVENTS: pending exceptions, interrupts, NMIs, SMM state (64 bytes). */
    public byte[] getVcpuEvents() {
        return getRaw(KvmIoctls.KVM_GET_VCPU_EVENTS, KvmStructs.KVM_VCPU_EVENTS_SIZE, "KVM_GET_VCPU_EVENTS");
    }

    public void setVcpuEvents(byte[] events) {
        setRaw(KvmIoctls.KVM_SET_VCPU_EVENTS, KvmStructs.KVM_VCPU_EVENTS_SIZE, events, "KVM_SET_VCPU_EVENTS");
    }

    /** KVM_GET_XSAVE: the legacy 4 KiB XSAVE area (x87, SSE incl. MXCSR at offset 24, AVX). */
    public byte[] getXsave() {
        return getRaw(KvmIoctls.KVM_GET_XSAVE, KvmStructs.KVM_XSAVE_SIZE, "KVM_GET_XSAVE");
    }

    public void setXsave(byte[] xsave) {
        setRaw(KvmIoctls.KVM_SET_XSAVE, KvmStructs.KVM_XSAVE_SIZE, xsave, "KVM_SET_XSAVE");
    }

    /** KVM_GET_XCRS: extended control registers (XCR0). */
    public byte[] getXcrs() {
        return getRaw(KvmIoctls.KVM_GET_XCRS, KvmStructs.KVM_XCRS_SIZE, "KVM_GET_XCRS");
    }

    public void setXcrs(byte[] xcrs) {
        setRaw(KvmIoctls.KVM_SET_XCRS, KvmStructs.KVM_XCRS_SIZE, xcrs, "KVM_SET_XCRS");
    }

    /** KVM_GET_DEBUGREGS: DR0-3, DR6, DR7. */
    public byte[] getDebugRegs() {
        return getRaw(KvmIoctls.KVM_GET_DEBUGREGS, KvmStructs.KVM_DEBUGREGS_SIZE, "KVM_GET_DEBUGREGS");
    }

    public void setDebugRegs(byte[] debugRegs) {
        setRaw(KvmIoctls.KVM_SET_DEBUGREGS, KvmStructs.KVM_DEBUGREGS_SIZE, debugRegs, "KVM_SET_DEBUGREGS");
    }

    private byte[] getRaw(long req, int size, String call) {
        try (NativeStruct s = new NativeStruct(size)) {
            Native.ioctl(fd.get(), req, s.address(), call);
            byte[] out = new byte[size];
            s.buffer().get(0, out);
            return out;
        }
    }

    private void setRaw(long req, int size, byte[] data, String call) {
        if (data.length != size) {
            throw new IllegalArgumentException(call + " takes " + size + " bytes, got " + data.length);
        }
        try (NativeStruct s = new NativeStruct(size)) {
            s.buffer().put(0, data);
            Native.ioctl(fd.get(), req, s.address(), call);
        }
    }

    /**
     * Unmaps kvm_run and closes the fd; idempotent. Only after the run thread has left its loop.
     */
    @Override
    public void close() {
        boolean onBoundThread;
        synchronized (kickLock) {
            onBoundThread = boundThread == Thread.currentThread();
            boundTid = 0;
            boundThread = null;
        }
        // A kick still pending on the bound thread must go: HotSpot restores a thread's original signal
        // mask as the thread ends, and a pending kick would then be delivered and end the whole process.
        if (onBoundThread) KickSignal.drain();
        synchronized (this) {
            if (!unmapped) {
                unmapped = true;
                LIBC.munmap(runAddress, runSize);
            }
        }
        fd.closeOnce();
    }
}
