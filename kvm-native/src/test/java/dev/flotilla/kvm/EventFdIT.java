package dev.flotilla.kvm;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.flotilla.kvm.RealModeGuest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** ioeventfd turns a guest write into an eventfd signal without an exit; irqfd and MSI injection register. */
class EventFdIT {

    private static Kvm kvm;

    @BeforeAll
    static void open() {
        RealModeGuest.assumeKvm();
        kvm = Kvm.open();
    }

    @AfterAll
    static void close() {
        if (kvm != null) kvm.close();
    }

    // mov ax,0x2000; mov ds,ax; mov word [0x50],7; mov word [0x50],9; hlt   (0x20050 = a queue-notify register)
    private static final byte[] NOTIFY_TWICE = bytes(0xB8, 0x00, 0x20, 0x8E, 0xD8,
            0xC7, 0x06, 0x50, 0x00, 0x07, 0x00, 0xC7, 0x06, 0x50, 0x00, 0x09, 0x00, 0xF4);

    @Test
    void ioeventfdWithDatamatchSignalsOnlyForThatValue() {
        try (var g = new RealModeGuest(kvm, true, NOTIFY_TWICE); EventFd ev = EventFd.create(true)) {
            g.vm.registerIoeventfd(0x20050, 2, 7, ev.fd());
            // The write of 7 is absorbed by the kernel; the write of 9 does not match and exits.
            assertEquals(new VcpuExit.MmioWrite(0x20050, new byte[] {9, 0}), g.vcpu.run());
            assertEquals(1, ev.read());
            assertEquals(0, ev.read(), "non-blocking read of an empty eventfd");
            g.vm.unregisterIoeventfd(0x20050, 2, 7, ev.fd());
        }
    }

    @Test
    void ioeventfdWithoutDatamatchTakesEveryWrite() {
        try (var g = new RealModeGuest(kvm, false, NOTIFY_TWICE); EventFd ev = EventFd.create(true)) {
            g.vm.registerIoeventfd(0x20050, 2, -1, ev.fd());
            assertEquals(VcpuExit.HLT, g.vcpu.run());
            assertEquals(2, ev.read());
        }
    }

    @Test
    void irqfdRegistersAndUnregisters() {
        try (var g = new RealModeGuest(kvm, true, bytes(0xF4)); EventFd ev = EventFd.create()) {
            g.vm.registerIrqfd(ev.fd(), 5);
            ev.signal();
            var dup = NativeExceptionCheck.assertNativeFailure("KVM_IRQFD", () -> g.vm.registerIrqfd(ev.fd(), 5));
            assertEquals(16, dup.errno(), "EBUSY for an eventfd already bound: " + dup.getMessage());
            g.vm.unregisterIrqfd(ev.fd(), 5);
            g.vm.registerIrqfd(ev.fd(), 5);     // free again after unregistering
            g.vm.irqLine(4, true);
            g.vm.irqLine(4, false);
        }
    }

    @Test
    void eventFdCountsAndClosesIdempotently() {
        EventFd ev = EventFd.create();
        ev.add(3);
        ev.signal();
        assertEquals(4, ev.read());
        ev.close();
        ev.close();
        assertThrows(IllegalStateException.class, ev::signal);
    }
}
