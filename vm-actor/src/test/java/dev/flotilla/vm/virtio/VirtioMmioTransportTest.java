package dev.flotilla.vm.virtio;

import dev.flotilla.vm.bus.RecordingIrq;
import static dev.flotilla.vm.virtio.DeviceStatus.ACKNOWLEDGE;
import static dev.flotilla.vm.virtio.DeviceStatus.DRIVER;
import static dev.flotilla.vm.virtio.DeviceStatus.DRIVER_OK;
import static dev.flotilla.vm.virtio.DeviceStatus.FAILED;
import static dev.flotilla.vm.virtio.DeviceStatus.FEATURES_OK;
import static dev.flotilla.vm.virtio.DeviceStatus.NEEDS_RESET;
import static dev.flotilla.vm.virtio.MmioRegisters.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.kvm.memory.HeapGuestMemory;
import dev.flotilla.vm.bus.IrqTrigger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class VirtioMmioTransportTest {

    private static final long RAM = 1 << 20;


    private FakeDevice device;
    private HeapGuestMemory mem;
    private RecordingIrq line;
    private List<String> refusals;
    private VirtioMmioTransport t;

    @BeforeEach
    void setUp() {
        device = new FakeDevice();
        mem = HeapGuestMemory.ofSize(RAM);
        line = new RecordingIrq();
        refusals = new ArrayList<>();
        t = new VirtioMmioTransport(device, mem, line, new TransportEvents() {
            @Override
            public void refused(String what) {
                refusals.add(what);
            }
        });
    }

    private int r(int offset) {
        byte[] b = new byte[4];
        t.read(offset, b);
        return (b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16 | (b[3] & 0xFF) << 24;
    }

    private void w(int offset, int v) {
        t.write(offset, new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)});
    }

    private long deviceFeatures() {
        w(DEVICE_FEATURES_SEL, 0);
        long lo = Integer.toUnsignedLong(r(DEVICE_FEATURES));
        w(DEVICE_FEATURES_SEL, 1);
        return lo | (long) r(DEVICE_FEATURES) << 32;
    }

    private void driverFeatures(long f) {
        w(DRIVER_FEATURES_SEL, 0);
        w(DRIVER_FEATURES, (int) f);
        w(DRIVER_FEATURES_SEL, 1);
        w(DRIVER_FEATURES, (int) (f >>> 32));
    }

    private void negotiate(long features) {
        w(STATUS, ACKNOWLEDGE);
        w(STATUS, ACKNOWLEDGE | DRIVER);
        driverFeatures(features);
        w(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK);
    }

    private void setUpQueue(int q, int size, long desc, long avail, long used) {
        w(QUEUE_SEL, q);
        w(QUEUE_NUM, size);
        w(QUEUE_DESC_LOW, (int) desc);
        w(QUEUE_DESC_HIGH, (int) (desc >>> 32));
        w(QUEUE_DRIVER_LOW, (int) avail);
        w(QUEUE_DRIVER_HIGH, (int) (avail >>> 32));
        w(QUEUE_DEVICE_LOW, (int) used);
        w(QUEUE_DEVICE_HIGH, (int) (used >>> 32));
        w(QUEUE_READY, 1);
    }

    /** What Linux's virtio_mmio does, up to DRIVER_OK. */
    private void bringUp() {
        negotiate(VirtioFeatures.VERSION_1 | FakeDevice.FEATURE_RO | VirtioFeatures.RING_EVENT_IDX);
        setUpQueue(0, 128, 0x1000, 0x2000, 0x3000);
        setUpQueue(1, 256, 0x4000, 0x6000, 0x7000);
        w(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
    }

    @Test
    void identifiesAsVirtioMmioVersionTwo() {
        assertEquals(0x74726976, r(MAGIC_VALUE));
        assertEquals(2, r(VERSION));
        assertEquals(2, r(DEVICE_ID));
        assertEquals(0, r(VENDOR_ID));
        assertEquals(0, r(STATUS));
    }

    @Test
    void offersDeviceFeaturesPlusVersionOneAndMasksUnimplementedRingFeatures() {
        device.features |= 1L << 34;   // packed ring, which this transport does not offer
        t = new VirtioMmioTransport(device, mem, line);
        long offered = deviceFeatures();
        assertEquals(FakeDevice.FEATURE_RO | VirtioFeatures.RING_INDIRECT_DESC | VirtioFeatures.RING_EVENT_IDX
                | VirtioFeatures.VERSION_1, offered);
        w(DEVICE_FEATURES_SEL, 2);
        assertEquals(0, r(DEVICE_FEATURES));
    }

    @Test
    void featuresOkWithVersionOneIsAccepted() {
        negotiate(VirtioFeatures.VERSION_1 | FakeDevice.FEATURE_RO);
        assertEquals(ACKNOWLEDGE | DRIVER | FEATURES_OK, r(STATUS));
        assertEquals(VirtioFeatures.VERSION_1 | FakeDevice.FEATURE_RO, t.negotiatedFeatures());
    }

    @Test
    void featuresOkWithoutVersionOneIsRefused() {
        negotiate(FakeDevice.FEATURE_RO);
        assertEquals(ACKNOWLEDGE | DRIVER, r(STATUS), "FEATURES_OK must read back clear");
        assertEquals(1, t.metrics().featuresRefused());
        assertTrue(refusals.get(0).contains("VERSION_1"), refusals.toString());
        w(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
        assertFalse(t.isActivated());
    }

    @Test
    void featuresOkWithAnUnofferedFeatureIsRefused() {
        negotiate(VirtioFeatures.VERSION_1 | 1L << 7);
        assertEquals(ACKNOWLEDGE | DRIVER, r(STATUS));
        assertEquals(1, t.metrics().featuresRefused());
    }

    @Test
    void driverFeaturesAreFrozenOnceAccepted() {
        negotiate(VirtioFeatures.VERSION_1);
        driverFeatures(VirtioFeatures.VERSION_1 | FakeDevice.FEATURE_RO);
        assertEquals(VirtioFeatures.VERSION_1, t.negotiatedFeatures());
        assertTrue(t.metrics().protocolViolations() > 0);
    }

    @Test
    void driverOkActivatesTheDeviceWithItsReadyQueues() {
        bringUp();
        assertTrue(t.isActivated());
        assertEquals(1, device.activations);
        assertTrue(device.activated.allReady());
        assertEquals(128, device.activated.queue(0).size());
        assertEquals(256, device.activated.queue(1).size());
        assertTrue(device.activated.hasFeature(VirtioFeatures.RING_EVENT_IDX));
        assertFalse(device.activated.hasFeature(VirtioFeatures.RING_INDIRECT_DESC), "not accepted by the driver");
    }

    @Test
    void queueRegistersReadBack() {
        w(QUEUE_SEL, 1);
        assertEquals(256, r(QUEUE_NUM_MAX));
        assertEquals(0, r(QUEUE_READY));
        w(QUEUE_SEL, 2);
        assertEquals(0, r(QUEUE_NUM_MAX), "no queue 2");
        negotiate(VirtioFeatures.VERSION_1);
        setUpQueue(1, 64, 0x1000, 0x2000, 0x3000);
        assertEquals(1, r(QUEUE_READY));
    }

    @Test
    void queueWithRingsOutsideRamIsRefusedAndTheDeviceNeedsReset() {
        negotiate(VirtioFeatures.VERSION_1);
        setUpQueue(0, 128, RAM - 0x100, 0x2000, 0x3000);
        assertEquals(0, r(QUEUE_READY));
        assertEquals(1, t.metrics().queueSetupsRefused());
        assertTrue((r(STATUS) & NEEDS_RESET) != 0);
        assertTrue(refusals.get(0).contains("descriptor table"), refusals.toString());
        w(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK | NEEDS_RESET);
        assertFalse(t.isActivated(), "a device needing a reset does not start");
        assertEquals(INT_CONFIG_CHANGE, r(INTERRUPT_STATUS), "the driver is told once it is running");
    }

    @Test
    void queueAddressAboveFourGigabytesIsRefused() {
        negotiate(VirtioFeatures.VERSION_1);
        setUpQueue(0, 16, 0x1_0000_1000L, 0x2000, 0x3000);
        assertEquals(0, r(QUEUE_READY));
    }

    @Test
    void queueOfSizeNotAPowerOfTwoOrAboveTheMaximumIsRefused() {
        negotiate(VirtioFeatures.VERSION_1);
        setUpQueue(0, 100, 0x1000, 0x2000, 0x3000);
        assertEquals(0, r(QUEUE_READY));
        w(STATUS, 0);
        negotiate(VirtioFeatures.VERSION_1);
        setUpQueue(0, 512, 0x1000, 0x4000, 0x8000);
        assertEquals(0, r(QUEUE_READY));
        assertEquals(2, t.metrics().queueSetupsRefused());
    }

    @Test
    void misalignedRingIsRefused() {
        negotiate(VirtioFeatures.VERSION_1);
        setUpQueue(0, 16, 0x1008, 0x2000, 0x3000);
        assertEquals(0, r(QUEUE_READY));
        assertTrue(refusals.get(0).contains("aligned"), refusals.toString());
    }

    @Test
    void readyQueueRegistersCannotBeRewritten() {
        negotiate(VirtioFeatures.VERSION_1);
        setUpQueue(0, 16, 0x1000, 0x2000, 0x3000);
        w(QUEUE_NUM, 8);
        w(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
        assertEquals(16, device.activated.queue(0).size());
    }

    @Test
    void statusZeroResetsDeviceQueuesAndFeatures() {
        bringUp();
        device.irq.signalUsedBuffer(0);
        w(STATUS, 0);
        assertEquals(0, r(STATUS));
        assertEquals(1, device.resets);
        assertFalse(t.isActivated());
        assertEquals(0, r(INTERRUPT_STATUS));
        assertFalse(line.level());
        w(QUEUE_SEL, 0);
        assertEquals(0, r(QUEUE_READY), "queues are unset by a reset");
        assertEquals(0, t.negotiatedFeatures());
        w(QUEUE_NOTIFY, 0);
        assertTrue(device.notified.isEmpty(), "notifications after reset are dropped");
    }

    @Test
    void signalsFromAnActivationThatWasResetAreDropped() {
        bringUp();
        Interrupts stale = device.irq;
        w(STATUS, 0);
        stale.signalUsedBuffer(0);
        stale.signalNeedsReset("late");
        assertEquals(0, r(INTERRUPT_STATUS));
        assertEquals(0, r(STATUS));
    }

    @Test
    void statusWriteThatClearsBitsIsIgnored() {
        negotiate(VirtioFeatures.VERSION_1);
        w(STATUS, ACKNOWLEDGE);
        assertEquals(ACKNOWLEDGE | DRIVER | FEATURES_OK, r(STATUS));
        assertEquals(1, t.metrics().protocolViolations());
    }

    @Test
    void driverOkWithoutFeaturesOkIsIgnored() {
        w(STATUS, ACKNOWLEDGE | DRIVER);
        w(STATUS, ACKNOWLEDGE | DRIVER | DRIVER_OK);
        assertEquals(ACKNOWLEDGE | DRIVER, r(STATUS));
        assertFalse(t.isActivated());
    }

    @Test
    void failedStopsNotifications() {
        bringUp();
        w(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK | FAILED);
        w(QUEUE_NOTIFY, 0);
        assertTrue(device.notified.isEmpty());
        assertEquals(1, t.metrics().notificationsIgnored());
    }

    @Test
    void activationRefusedByTheDeviceMarksNeedsReset() {
        device.refuseActivation = "backing file gone";
        bringUp();
        assertFalse(t.isActivated());
        assertTrue((r(STATUS) & NEEDS_RESET) != 0);
        assertEquals(1, t.metrics().activationFailures());
        assertEquals(INT_CONFIG_CHANGE, r(INTERRUPT_STATUS), "a running driver is told through a config interrupt");
    }

    @Test
    void queueNotifyReachesTheDeviceOnlyForReadyQueues() {
        bringUp();
        w(QUEUE_NOTIFY, 1);
        w(QUEUE_NOTIFY, 0);
        w(QUEUE_NOTIFY, 7);
        t.notifyQueue(1);   // the ioeventfd path
        assertEquals(List.of(1, 0, 1), device.notified);
        assertEquals(1, t.metrics().notificationsIgnored());
    }

    @Test
    void usedBufferInterruptIsAcknowledged() {
        bringUp();
        device.irq.signalUsedBuffer(0);
        assertEquals(INT_USED_BUFFER, r(INTERRUPT_STATUS));
        assertTrue(line.level());
        assertEquals(1, line.pulses);
        device.irq.signalConfigChange();
        assertEquals(INT_USED_BUFFER | INT_CONFIG_CHANGE, r(INTERRUPT_STATUS));
        w(INTERRUPT_ACK, INT_USED_BUFFER);
        assertEquals(INT_CONFIG_CHANGE, r(INTERRUPT_STATUS));
        assertTrue(line.level(), "still pending: config change");
        w(INTERRUPT_ACK, INT_CONFIG_CHANGE);
        assertEquals(0, r(INTERRUPT_STATUS));
        assertFalse(line.level());
    }

    @Test
    void configChangeBumpsConfigGeneration() {
        bringUp();
        int before = r(CONFIG_GENERATION);
        device.irq.signalConfigChange();
        assertEquals(before + 1, r(CONFIG_GENERATION));
        assertEquals(INT_CONFIG_CHANGE, r(INTERRUPT_STATUS));
    }

    @Test
    void needsResetFromTheDeviceRaisesAConfigInterrupt() {
        bringUp();
        device.irq.signalNeedsReset("disk error");
        assertTrue((r(STATUS) & NEEDS_RESET) != 0);
        assertEquals(INT_CONFIG_CHANGE, r(INTERRUPT_STATUS));
        // The driver echoing status back keeps the device-owned bit; only 0 clears it.
        w(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
        assertTrue((r(STATUS) & NEEDS_RESET) != 0);
        w(QUEUE_NOTIFY, 0);
        assertTrue(device.notified.isEmpty());
        w(STATUS, 0);
        assertEquals(0, r(STATUS));
    }

    @Test
    void configSpaceIsDelegatedAtAnyWidth() {
        byte[] b = new byte[2];
        t.read(CONFIG + 2, b);
        assertArrayEquals(new byte[] {3, 4}, b);
        byte[] q = new byte[8];
        t.read(CONFIG + 4, q);
        assertArrayEquals(new byte[] {5, 6, 7, 8, 0, 0, 0, 0}, q, "past the end reads as zero");
        t.write(CONFIG, new byte[] {9});
        assertEquals(9, device.config[0]);
    }

    @Test
    void badWidthsAndOffsetsAreIgnoredAndCounted() {
        byte[] b = {(byte) 0xAA, (byte) 0xAA};
        t.read(MAGIC_VALUE, b);
        assertArrayEquals(new byte[] {0, 0}, b);
        byte[] one = new byte[4];
        t.read(MAGIC_VALUE + 1, one);
        assertArrayEquals(new byte[4], one);
        t.write(STATUS, new byte[] {1});
        t.write(STATUS, new byte[8]);
        w(MAGIC_VALUE, 5);            // read-only
        assertEquals(0, r(QUEUE_NOTIFY)); // write-only
        assertEquals(0, r(0x0f8));    // unknown
        assertEquals(0, r(STATUS));
        assertEquals(7, t.metrics().invalidAccesses());
    }

    @Test
    void queueRegisterWrittenForAMissingQueueIsIgnored() {
        w(QUEUE_SEL, 9);
        w(QUEUE_NUM, 16);
        w(QUEUE_READY, 1);
        assertEquals(2, t.metrics().invalidAccesses());
        w(QUEUE_SEL, 0);
        assertEquals(0, r(QUEUE_READY));
        assertNull(device.activated);
    }

    @Test
    void fatalQueueFaultMarksTheDeviceNeedsReset() {
        bringUp();
        SplitQueue q = device.activated.queue(0);
        mem.writeU16(dev.flotilla.kvm.memory.GuestAddress.of(0x2002), 500);   // avail.idx jumps past 128
        assertTrue(q.pop().isEmpty());
        assertTrue((r(STATUS) & NEEDS_RESET) != 0);
        assertEquals(1, t.queueMetrics(0).malformed(ChainFault.AVAIL_INDEX_JUMP));
        assertEquals(INT_CONFIG_CHANGE, r(INTERRUPT_STATUS));
    }

    @Test
    void snapshotRestoresRegistersAndRingPositionsAndReactivates() {
        bringUp();
        // Serve two requests on queue 0 so its positions are not at zero.
        SplitQueue q0 = device.activated.queue(0);
        for (int i = 0; i < 3; i++) {
            mem.writeU64(dev.flotilla.kvm.memory.GuestAddress.of(0x1000 + 16L * i), 0x10000);
            mem.writeU32(dev.flotilla.kvm.memory.GuestAddress.of(0x1000 + 16L * i + 8), 8);
            mem.writeU16(dev.flotilla.kvm.memory.GuestAddress.of(0x2004 + 2L * i), i);
        }
        mem.writeU16(dev.flotilla.kvm.memory.GuestAddress.of(0x2002), 3);
        q0.addUsed(q0.pop().orElseThrow(), 0);
        q0.addUsed(q0.pop().orElseThrow(), 0);
        device.irq.signalUsedBuffer(0);
        device.irq.signalConfigChange();

        VirtioMmioState saved = t.save();
        assertEquals(2, saved.queues().get(0).nextAvail());
        assertEquals(2, saved.queues().get(0).nextUsed());

        FakeDevice fresh = new FakeDevice();
        RecordingIrq freshLine = new RecordingIrq();
        VirtioMmioTransport back = VirtioMmioTransport.restore(fresh, mem, freshLine, TransportEvents.NONE, saved);
        assertTrue(back.isActivated());
        assertEquals(1, fresh.activations);
        assertEquals(r(STATUS), back.status());
        assertEquals(r(CONFIG_GENERATION), back.configGeneration());
        assertEquals(INT_USED_BUFFER | INT_CONFIG_CHANGE, back.interruptStatus());
        assertTrue(freshLine.level(), "the pending interrupt is raised again");
        assertEquals(t.negotiatedFeatures(), back.negotiatedFeatures());
        assertEquals(2, fresh.activated.queue(0).pop().orElseThrow().headIndex(), "continues where it stopped");
        assertEquals(3, back.save().queues().get(0).nextAvail(), "positions advance from the restored ones");
    }

    @Test
    void snapshotOfAnotherDeviceIsRefused() {
        VirtioMmioState saved = t.save();
        VirtioMmioState wrong = new VirtioMmioState(9, saved.status(), 0, 0, 0, 0, 0, 0, saved.queues());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> VirtioMmioTransport.restore(new FakeDevice(), mem, line, TransportEvents.NONE, wrong));
    }
}
