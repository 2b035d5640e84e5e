package dev.flotilla.vm.devices.block;

/**
 * Why a virtio-blk request from the guest was refused before any I/O. Each is counted in
 * {@link BlockMetrics}; the request gets VIRTIO_BLK_S_IOERR if it has a writable status byte,
 * else it is completed with length 0. (Chains that are malformed at the ring level, e.g. pointing
 * outside RAM, never reach the device: the queue refuses them and counts them in QueueMetrics.)
 */
public enum RequestFault {
    /** No device-writable byte at the end of the chain to put the status in. */
    STATUS_NOT_WRITABLE,
    /** Fewer than 16 device-readable bytes: no room for the request header. */
    HEADER_TOO_SHORT,
    /** Data in the wrong direction for the type (a read with readable data, a write with writable data, a flush with data). */
    DATA_DIRECTION,
    /** A read or write whose data length is not a whole number of 512-byte sectors. */
    DATA_NOT_SECTOR_MULTIPLE,
    /** The request reaches past the end of the disk (or its sector/length overflow). */
    OUT_OF_RANGE
}
