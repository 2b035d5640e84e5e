/**
 * Devices of a microVM. One package per device (serial, i8042, boottimer, rng, block, net, vsock,
 * balloon); here only what they share on the control plane: {@link dev.flotilla.vm.devices.DeviceUpdate}
 * (Firecracker's post-boot PATCH bodies) and {@link dev.flotilla.vm.devices.VirtioDeviceActor}, the
 * child of a MicroVm that owns one virtio device's control plane (updates, metrics, data-path failures)
 * while the data path runs on the device's own worker thread.
 */
package dev.flotilla.vm.devices;
