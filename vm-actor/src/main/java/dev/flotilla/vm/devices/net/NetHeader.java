package dev.flotilla.vm.devices.net;

/**
 * The virtio_net_hdr in front of every frame on both queues (virtio 1.2 §5.1.6). With VERSION_1 it
 * is always the 12-byte form with {@code num_buffers}. No offloads are negotiated, so the device
 * writes an all-zero header (GSO_NONE, no checksum flags) with num_buffers = 1 on receive, and
 * ignores the header the driver sends on transmit (it can only say "nothing to do").
 */
public final class NetHeader {

    /** flags u8, gso_type u8, hdr_len u16, gso_size u16, csum_start u16, csum_offset u16, num_buffers u16. */
    public static final int SIZE = 12;
    static final int NUM_BUFFERS_OFFSET = 10;

    private NetHeader() {
    }

    /** Writes the receive header for a frame that fits one buffer into {@code buf[off, off+12)}. */
    static void writeReceive(byte[] buf, int off) {
        for (int i = 0; i < SIZE; i++) buf[off + i] = 0;
        buf[off + NUM_BUFFERS_OFFSET] = 1;
    }
}
