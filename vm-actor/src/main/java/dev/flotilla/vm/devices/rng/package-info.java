/**
 * virtio-rng, Firecracker's entropy device: guest requests filled from the host's CSPRNG on the
 * device's worker thread, optionally rate limited (bytes and requests).
 */
package dev.flotilla.vm.devices.rng;
