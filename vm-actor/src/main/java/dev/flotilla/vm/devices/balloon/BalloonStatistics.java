package dev.flotilla.vm.devices.balloon;

/**
 * What Firecracker's {@code GET /balloon/statistics} answers: the target and the guest's reported size of
 * the balloon (pages of 4 KiB and MiB), and the guest's latest memory statistics.
 *
 * @param statsAgeNanos how long ago the guest last reported statistics, or -1 if it never did
 */
public record BalloonStatistics(long targetPages, long actualPages, long targetMib, long actualMib,
                                GuestMemoryStats guest, long statsAgeNanos) {
}
