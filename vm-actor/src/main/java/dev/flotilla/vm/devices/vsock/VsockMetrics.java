package dev.flotilla.vm.devices.vsock;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one vsock device, written by its worker and read from any thread (the device actor,
 * Prometheus). {@link #snapshot()} gives a consistent-enough copy for reporting.
 */
public final class VsockMetrics {

    final LongAdder hostConnections = new LongAdder();
    final LongAdder guestConnections = new LongAdder();
    final LongAdder refusedTableFull = new LongAdder();
    final LongAdder refusedNoListener = new LongAdder();
    final LongAdder refusedByGuest = new LongAdder();
    final LongAdder handshakeErrors = new LongAdder();
    final LongAdder rstSent = new LongAdder();
    final LongAdder rstReceived = new LongAdder();
    final LongAdder bytesToHost = new LongAdder();
    final LongAdder bytesToGuest = new LongAdder();
    final LongAdder packetsFromGuest = new LongAdder();
    final LongAdder packetsToGuest = new LongAdder();
    final LongAdder creditUpdatesSent = new LongAdder();
    final LongAdder malformedPackets = new LongAdder();
    final LongAdder creditViolations = new LongAdder();
    final LongAdder droppedReplies = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    final LongAdder hostIoErrors = new LongAdder();
    volatile int activeConnections;

    /** The counters at one moment. */
    public record Snapshot(long hostConnections, long guestConnections, long refusedTableFull, long refusedNoListener,
                           long refusedByGuest, long handshakeErrors, long rstSent, long rstReceived,
                           long bytesToHost, long bytesToGuest, long packetsFromGuest, long packetsToGuest,
                           long creditUpdatesSent, long malformedPackets, long creditViolations,
                           long droppedReplies, long timeouts, long hostIoErrors, int activeConnections) {}

    public Snapshot snapshot() {
        return new Snapshot(hostConnections.sum(), guestConnections.sum(), refusedTableFull.sum(),
                refusedNoListener.sum(), refusedByGuest.sum(), handshakeErrors.sum(), rstSent.sum(),
                rstReceived.sum(), bytesToHost.sum(), bytesToGuest.sum(), packetsFromGuest.sum(),
                packetsToGuest.sum(), creditUpdatesSent.sum(), malformedPackets.sum(), creditViolations.sum(),
                droppedReplies.sum(), timeouts.sum(), hostIoErrors.sum(), activeConnections);
    }
}
