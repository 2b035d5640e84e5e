package dev.flotilla.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.kvm.memory.GuestAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A vCPU busy in guest code (not halted) must also come out of KVM_RUN on a kick, without killing the JVM. */
class BusyKickIT {
    static Kvm kvm;

    @BeforeAll
    static void open() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Kvm.availability().usable(), "no usable /dev/kvm");
        kvm = Kvm.open();
    }

    @AfterAll
    static void close() {
        if (kvm != null) kvm.close();
    }

    @Test
    void busyVcpuIsKickedOut() throws Exception {
        // l: inc word [0x2000]; jmp l — busy, and its counter shows it is running guest code
        try (var g = new RealModeGuest(kvm, true, RealModeGuest.bytes(0xFF, 0x06, 0x00, 0x20, 0xEB, 0xFA))) {
            BlockingQueue<VcpuExit> exits = new ArrayBlockingQueue<>(16);
            CountDownLatch bound = new CountDownLatch(1);
            Thread t = new Thread(() -> {
                g.vcpu.bindToCurrentThread();
                bound.countDown();
                for (int i = 0; i < 3; i++) {
                    VcpuExit e = g.vcpu.run();
                    if (e == VcpuExit.INTERRUPTED) g.vcpu.consumeKick();
                    exits.add(e);
                }
                g.vcpu.unbindFromCurrentThread();
            });
            t.setDaemon(true);
            t.start();
            assertTrue(bound.await(5, TimeUnit.SECONDS));
            for (int i = 0; i < 3; i++) {
                awaitGuestCounting(g);   // inside KVM_RUN, not before it (a kick then would only be pending)
                assertTrue(g.vcpu.kick());
                VcpuExit e = exits.poll(2, TimeUnit.SECONDS);
                assertEquals(VcpuExit.INTERRUPTED, e);
            }
            t.join(2000);
        }
    }

    /** Waits until the guest's counter moves: the vCPU is executing guest code. */
    private static void awaitGuestCounting(RealModeGuest g) {
        GuestAddress counter = GuestAddress.of(0x2000);
        int first = g.memory.readU16(counter);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (g.memory.readU16(counter) == first) {
            assertTrue(System.nanoTime() < deadline, "the guest's counter never moved: the vCPU is not running");
            Thread.onSpinWait();
        }
    }
}
