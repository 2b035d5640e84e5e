package dev.flotilla.vm.devices.vsock;

/** Where a host → guest packet goes: the device-writable part of an rx chain (or a test's array). */
interface PacketSink {

    /** Bytes available for header plus payload. */
    int capacity();

    /** Copies {@code src[off, off+len)} to {@code at} bytes into the buffer; {@code at + len <= capacity()}. */
    void write(int at, byte[] src, int off, int len);
}
