package dev.flotilla.vm.devices.vsock;

/**
 * The bounds that keep one guest from tying up host memory: how many connections the device carries at
 * once, how much of the guest's data each may hold for a slow host program ({@code bufAlloc}, also the
 * credit advertised to the guest), the largest packet payload, and how long half-open states may last.
 * Worst-case buffered memory per device is {@code maxConnections * bufAlloc}.
 */
public record VsockLimits(int maxConnections, int bufAlloc, int maxPayload, long handshakeTimeoutNanos,
                          long requestTimeoutNanos, long shutdownTimeoutNanos) {

    /** 256 connections × 64 KiB = at most 16 MiB of buffered guest data per device. */
    public static final VsockLimits DEFAULT = new VsockLimits(256, 64 * 1024, 64 * 1024,
            5_000_000_000L, 2_000_000_000L, 2_000_000_000L);

    public VsockLimits {
        if (maxConnections < 1 || maxConnections > 65_536) {
            throw new IllegalArgumentException("VsockLimits: maxConnections " + maxConnections + " outside 1..65536");
        }
        if (bufAlloc < 4096 || bufAlloc > (64 << 20)) {
            throw new IllegalArgumentException("VsockLimits: bufAlloc " + bufAlloc + " outside 4 KiB..64 MiB");
        }
        if (maxPayload < 1 || maxPayload > bufAlloc) {
            throw new IllegalArgumentException("VsockLimits: maxPayload " + maxPayload + " must be 1..bufAlloc");
        }
        if (handshakeTimeoutNanos <= 0 || requestTimeoutNanos <= 0 || shutdownTimeoutNanos <= 0) {
            throw new IllegalArgumentException("VsockLimits: timeouts must be positive");
        }
    }
}
