package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestAddress;

/**
 * One virtio-mmio device window: 4 KiB at {@code base}, raising legacy {@code gsi}. Slot {@code i} sits at
 * 0xC000_1000 + i * 4 KiB with GSI 5 + i, so slots 0..18 use the IOAPIC pins 5..23.
 */
public record VirtioSlot(int index, GuestAddress base, int gsi) {

    public VirtioSlot {
        if (index < 0 || index >= MemoryLayout.MAX_VIRTIO_SLOTS) {
            throw new IllegalArgumentException("virtio slot index %d outside 0..%d"
                    .formatted(index, MemoryLayout.MAX_VIRTIO_SLOTS - 1));
        }
        if (base.value() != MemoryLayout.VIRTIO_MMIO_START.value() + index * MemoryLayout.VIRTIO_MMIO_SLOT_SIZE
                || gsi != MemoryLayout.VIRTIO_FIRST_GSI + index) {
            throw new IllegalArgumentException("virtio slot %d must be at 0x%x with GSI %d, got %s GSI %d".formatted(
                    index, MemoryLayout.VIRTIO_MMIO_START.value() + index * MemoryLayout.VIRTIO_MMIO_SLOT_SIZE,
                    MemoryLayout.VIRTIO_FIRST_GSI + index, base, gsi));
        }
    }

    public static VirtioSlot of(int index) {
        if (index < 0 || index >= MemoryLayout.MAX_VIRTIO_SLOTS) {
            throw new IllegalArgumentException("virtio slot index %d outside 0..%d (only GSIs 5-23 are free)"
                    .formatted(index, MemoryLayout.MAX_VIRTIO_SLOTS - 1));
        }
        return new VirtioSlot(index,
                GuestAddress.of(MemoryLayout.VIRTIO_MMIO_START.value() + index * MemoryLayout.VIRTIO_MMIO_SLOT_SIZE),
                MemoryLayout.VIRTIO_FIRST_GSI + index);
    }

    public long size() {
        return MemoryLayout.VIRTIO_MMIO_SLOT_SIZE;
    }

    /** The kernel command-line form of this device, for kernels that take virtio-mmio devices from it. */
    public String cmdlineDevice() {
        return "virtio_mmio.device=4K@0x%x:%d".formatted(base.value(), gsi);
    }
}
