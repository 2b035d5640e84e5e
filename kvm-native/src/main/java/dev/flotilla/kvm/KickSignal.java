package dev.flotilla.kvm;

import dev.flotilla.kvm.sys.Errno;
import dev.flotilla.kvm.sys.LibC;
import dev.flotilla.kvm.sys.Native;
import dev.flotilla.kvm.sys.NativeException;
import dev.flotilla.kvm.sys.NativeStruct;

/**
 * The real-time signal that kicks a vCPU thread out of KVM_RUN, with no signal handler at all.
 * <p>How: the vCPU thread keeps the signal blocked at all times, and tells KVM (KVM_SET_SIGNAL_MASK)
 * to run the guest with it unblocked. A signal sent with tgkill therefore stays pending while the
 * thread is in Java, and only inside KVM_RUN does it count: KVM sees it pending and returns EINTR
 * (at once if it was already pending when KVM_RUN began, so no kick is lost). When KVM_RUN returns the
 * kernel restores the blocked mask, so the signal is never delivered and needs no handler (Java
 * code must not run in signal context); the thread then takes it off the pending set with a
 * zero-timeout sigtimedwait. The kernel does not treat it as fatal while it is pending, because it is
 * blocked in the thread's saved mask (that is what {@code real_blocked} is for).
 * <p>SIGRTMIN+6 (40): the JVM uses SIGUSR1/SIGUSR2 and glibc 32/33; nothing in HotSpot uses 40.
 */
final class KickSignal {

    static final int SIGNAL = 40;
    private static final long BIT = 1L << (SIGNAL - 1);

    private KickSignal() {}

    /** Blocks the signal in the calling thread and returns the thread's kernel mask (first 64 bits). */
    static long blockInCurrentThread() {
        LibC libc = Native.libc();
        try (NativeStruct set = new NativeStruct(LibC.SIGSET_T_SIZE);
             NativeStruct old = new NativeStruct(LibC.SIGSET_T_SIZE)) {
            set.buffer().putLong(0, BIT);
            int r = libc.pthread_sigmask(LibC.SIG_BLOCK, set.address(), 0);
            if (r != 0) throw NativeException.of("pthread_sigmask(SIG_BLOCK, " + SIGNAL + ")", r);
            r = libc.pthread_sigmask(LibC.SIG_BLOCK, 0, old.address());
            if (r != 0) throw NativeException.of("pthread_sigmask(query)", r);
            return old.buffer().getLong(0);
        }
    }

    /** The mask KVM should run the guest with: the thread's mask minus the kick signal. */
    static long runMask(long threadMask) {
        return threadMask & ~BIT;
    }

    /** Takes every pending kick off the calling thread's pending set; true if there was one. */
    static boolean drain() {
        LibC libc = Native.libc();
        boolean any = false;
        try (NativeStruct set = new NativeStruct(LibC.SIGSET_T_SIZE);
             NativeStruct zero = new NativeStruct(16)) {   // struct timespec {0, 0}
            set.buffer().putLong(0, BIT);
            while (true) {
                int r = libc.sigtimedwait(set.address(), 0, zero.address());
                if (r == SIGNAL) {
                    any = true;
                    continue;
                }
                int e = Native.errno();
                if (r < 0 && e == Errno.EINTR) continue;
                if (r < 0 && e == Errno.EAGAIN) return any;
                throw NativeException.of("sigtimedwait(" + SIGNAL + ")", r < 0 ? e : 0);
            }
        }
    }

    /** Sends the signal to one thread of this process. */
    static void send(int pid, int tid) {
        if (Native.libc().tgkill(pid, tid, SIGNAL) != 0) {
            throw NativeException.of("tgkill(" + tid + ", " + SIGNAL + ")", Native.errno());
        }
    }
}
