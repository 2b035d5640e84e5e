/**
 * virtio-balloon, Firecracker's balloon device: a host-set target the guest inflates towards, inflated pages
 * returned to the host with madvise(MADV_DONTNEED) after each PFN is checked against guest RAM, optional
 * deflate-on-OOM, and guest memory statistics polled at an interval through the stats queue (the held
 * stats buffer is handed back when the worker's deadline passes). {@link
 * dev.flotilla.vm.devices.balloon.PageRanges} (PFN validation and merging) and {@link
 * dev.flotilla.vm.devices.balloon.GuestMemoryStats} (stats parsing) are pure and unit-tested; the device
 * glue follows the reference device, {@code VirtioRng}.
 *
 * <p>Bounds against a hostile driver: at most 256 PFNs are read from a chain (Linux's most; the rest are
 * counted as invalid), at most 4 inflate or deflate chains are taken per worker turn, and a turn's PFNs
 * are sorted, de-duplicated and merged before any madvise, so a turn costs at most 1024 madvise calls
 * and a guest naming the same pages many times over pays for them once.
 */
package dev.flotilla.vm.devices.balloon;
