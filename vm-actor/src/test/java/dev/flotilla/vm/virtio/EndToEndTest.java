package dev.flotilla.vm.virtio;

import static dev.flotilla.vm.virtio.DeviceStatus.ACKNOWLEDGE;
import static dev.flotilla.vm.virtio.DeviceStatus.DRIVER;
import static dev.flotilla.vm.virtio.DeviceStatus.DRIVER_OK;
import static dev.flotilla.vm.virtio.DeviceStatus.FEATURES_OK;
import static dev.flotilla.vm.virtio.MmioRegisters.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory;
import dev.flotilla.kvm.memory.HeapGuestMemory;
import dev.flotilla.vm.bus.Bus;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A guest driver and a small device meeting through the MMIO bus, guest memory and the interrupt line. */
class EndToEndTest {

    private static final long SLOT = 0xC000_1000L;

    /** Answers each request with its readable bytes upper-cased, on the notifying thread. */
    private static final class UpperCaseDevice implements VirtioDevice {
        private SplitQueue queue;
        private Interrupts irq;

        @Override public int deviceType() { return 42; }
        @Override public long deviceFeatures() { return VirtioFeatures.RING_EVENT_IDX | VirtioFeatures.RING_INDIRECT_DESC; }
        @Override public int queueCount() { return 1; }
        @Override public int queueMaxSize(int q) { return 64; }
        @Override public void readConfig(long offset, byte[] data) { }
        @Override public void writeConfig(long offset, byte[] data) { }

        @Override
        public void activate(ActivatedQueues queues, GuestMemory mem, Interrupts irq) throws VirtioActivationException {
            if (!queues.allReady()) {
                throw new VirtioActivationException("the request queue is not set up");
            }
            this.queue = queues.queue(0);
            this.irq = irq;
        }

        @Override
        public void queueNotified(int q) {
            do {
                Optional<DescriptorChain> c;
                while ((c = queue.pop()).isPresent()) {
                    byte[] in = c.get().readAll(4096);
                    byte[] out = new String(in, StandardCharsets.US_ASCII).toUpperCase().getBytes(StandardCharsets.US_ASCII);
                    int n = c.get().write(0, out, 0, out.length);
                    queue.addUsed(c.get(), n);
                }
            } while (queue.enableNotification());
            if (queue.needsNotification()) {
                irq.signalUsedBuffer(q);
            }
        }

        @Override public void reset() { queue = null; }
    }

    @Test
    void requestTravelsFromDriverToDeviceAndBack() {
        HeapGuestMemory mem = HeapGuestMemory.ofSize(1 << 20);
        AtomicInteger pulses = new AtomicInteger();
        VirtioMmioTransport transport = new VirtioMmioTransport(new UpperCaseDevice(), mem, pulses::incrementAndGet);
        Bus bus = Bus.builder().add("virtio-test", SLOT, VirtioMmioTransport.WINDOW_SIZE, transport).build();

        assertEquals(MAGIC, r(bus, MAGIC_VALUE));
        w(bus, STATUS, ACKNOWLEDGE);
        w(bus, STATUS, ACKNOWLEDGE | DRIVER);
        w(bus, DRIVER_FEATURES_SEL, 1);
        w(bus, DRIVER_FEATURES, 1);   // VERSION_1
        w(bus, DRIVER_FEATURES_SEL, 0);
        w(bus, DRIVER_FEATURES, (int) VirtioFeatures.RING_EVENT_IDX);
        w(bus, STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK);
        assertEquals(ACKNOWLEDGE | DRIVER | FEATURES_OK, r(bus, STATUS));
        w(bus, QUEUE_SEL, 0);
        w(bus, QUEUE_NUM, 8);
        w(bus, QUEUE_DESC_LOW, 0x1000);
        w(bus, QUEUE_DRIVER_LOW, 0x2000);
        w(bus, QUEUE_DEVICE_LOW, 0x3000);
        w(bus, QUEUE_READY, 1);
        w(bus, STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
        assertTrue(transport.isActivated());

        byte[] msg = "hello, flotilla".getBytes(StandardCharsets.US_ASCII);
        mem.write(GuestAddress.of(0x10000), msg);
        writeDesc(mem, 0, 0x10000, msg.length, SplitQueue.DESC_F_NEXT, 1);
        writeDesc(mem, 1, 0x11000, 64, SplitQueue.DESC_F_WRITE, 0);
        mem.writeU16(GuestAddress.of(0x2004), 0);       // avail.ring[0] = head 0
        mem.writeU16(GuestAddress.of(0x2002), 1);       // avail.idx = 1
        w(bus, QUEUE_NOTIFY, 0);

        assertEquals(1, mem.readU16(GuestAddress.of(0x3002)), "used.idx");
        assertEquals(0, mem.readU32AsInt(GuestAddress.of(0x3004)), "used id");
        assertEquals(msg.length, mem.readU32AsInt(GuestAddress.of(0x3008)), "used len");
        assertEquals("HELLO, FLOTILLA", new String(mem.read(GuestAddress.of(0x11000), msg.length), StandardCharsets.US_ASCII));
        assertEquals(INT_USED_BUFFER, r(bus, INTERRUPT_STATUS));
        assertEquals(1, pulses.get());
        assertEquals(1, mem.readU16(GuestAddress.of(0x3004 + 8 * 8)), "avail_event: kick me after entry 1");
        w(bus, INTERRUPT_ACK, INT_USED_BUFFER);
        assertEquals(0, r(bus, INTERRUPT_STATUS));
    }

    private static void writeDesc(HeapGuestMemory mem, int i, long addr, int len, int flags, int next) {
        long d = 0x1000 + 16L * i;
        mem.writeU64(GuestAddress.of(d), addr);
        mem.writeU32(GuestAddress.of(d + 8), len);
        mem.writeU16(GuestAddress.of(d + 12), flags);
        mem.writeU16(GuestAddress.of(d + 14), next);
    }

    private static int r(Bus bus, int reg) {
        byte[] b = new byte[4];
        assertTrue(bus.read(SLOT + reg, b));
        return (b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16 | (b[3] & 0xFF) << 24;
    }

    private static void w(Bus bus, int reg, int v) {
        assertTrue(bus.write(SLOT + reg, new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)}));
    }
}
