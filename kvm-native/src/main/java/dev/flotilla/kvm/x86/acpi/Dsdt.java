package dev.flotilla.kvm.x86.acpi;

import dev.flotilla.kvm.x86.boot.VirtioSlot;

import java.util.ArrayList;
import java.util.List;

import static dev.flotilla.kvm.x86.acpi.AmlWriter.*;

/**
 * The Differentiated System Description Table: under {@code \_SB_}, the legacy devices (COM1, i8042) and
 * one {@code LNRO0005} virtio-mmio device per slot with its 4 KiB window and GSI — how a kernel whose
 * virtio_mmio takes no command-line devices (Debian's) finds them. Interrupts are edge-triggered,
 * active-high, exclusive: the VMM raises them through irqfd as edges (as Firecracker does).
 */
public final class Dsdt {

    public static final int REVISION = 2;
    public static final String VIRTIO_MMIO_HID = "LNRO0005";

    private Dsdt() {}

    public static byte[] build(List<VirtioSlot> slots) {
        return Sdt.build("DSDT", REVISION, "FLOTDSDT", aml(slots));
    }

    /** The DSDT's AML body. */
    public static byte[] aml(List<VirtioSlot> slots) {
        List<byte[]> devices = new ArrayList<>();
        devices.add(com1());
        devices.add(i8042());
        for (VirtioSlot s : slots) devices.add(virtioMmio(s));
        return scope("\\_SB_", devices.toArray(byte[][]::new));
    }

    static byte[] staPresent() {
        // present, enabled, shown in UI, functioning
        return method("_STA", 0, false, returnOf(byteConst(0x0f)));
    }

    public static byte[] com1() {
        return device("COM1",
                name("_HID", eisaId("PNP0501")),
                name("_UID", integer(0)),
                staPresent(),
                name("_CRS", ResourceTemplate.of(
                        ResourceTemplate.io(0x3f8, 0x3f8, 1, 8),
                        ResourceTemplate.interrupt(true, true, false, false, 4))));
    }

    public static byte[] i8042() {
        return device("PS2_",
                name("_HID", eisaId("PNP0303")),
                staPresent(),
                name("_CRS", ResourceTemplate.of(
                        ResourceTemplate.io(0x60, 0x60, 1, 1),
                        ResourceTemplate.io(0x64, 0x64, 1, 1),
                        ResourceTemplate.interrupt(true, true, false, false, 1))));
    }

    public static byte[] virtioMmio(VirtioSlot slot) {
        return device("V%03d".formatted(slot.index()),
                name("_HID", string(VIRTIO_MMIO_HID)),
                name("_UID", integer(slot.index())),
                name("_CCA", integer(1)),   // DMA is cache-coherent (what Firecracker declares too)
                name("_CRS", ResourceTemplate.of(
                        ResourceTemplate.memory32Fixed(true, slot.base().value(), slot.size()),
                        ResourceTemplate.interrupt(true, true, false, false, slot.gsi()))));
    }
}
