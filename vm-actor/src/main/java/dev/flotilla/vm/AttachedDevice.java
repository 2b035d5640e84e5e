package dev.flotilla.vm;

import dev.flotilla.kvm.x86.boot.VirtioSlot;
import dev.flotilla.vm.virtio.VirtioMmioTransport;
import dev.flotilla.vm.virtio.WorkerBackedDevice;

/** One virtio device as attached to a VM: its id (drive_id, iface_id, or the kind), slot, transport and model. */
public record AttachedDevice(String id, String kind, VirtioSlot slot, VirtioMmioTransport transport,
                             WorkerBackedDevice device) {}
