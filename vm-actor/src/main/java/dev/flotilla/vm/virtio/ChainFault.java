package dev.flotilla.vm.virtio;

/** Why a descriptor chain offered by the driver was refused. Each is counted in {@link QueueMetrics}. */
public enum ChainFault {
    /** The avail ring named a head descriptor index not below the queue size. */
    HEAD_OUT_OF_RANGE(false),
    /** A NEXT field pointed past the end of its table. */
    NEXT_OUT_OF_RANGE(false),
    /** The chain had more descriptors than the device's queue size (indirect ones included): it loops, or is too long. */
    CHAIN_LOOP(false),
    /** A buffer's address + length leaves guest RAM (or overflows 2^64). */
    BUFFER_OUT_OF_RAM(false),
    /** The buffers of the chain add up to more than {@link SplitQueue#MAX_CHAIN_BYTES}. */
    CHAIN_TOO_LARGE(false),
    /** A device-readable buffer came after a device-writable one (virtio 1.2 §2.7.4.2). */
    READABLE_AFTER_WRITABLE(false),
    /** An indirect descriptor although VIRTIO_F_INDIRECT_DESC was not negotiated. */
    INDIRECT_NOT_NEGOTIATED(false),
    /** An indirect descriptor that also has NEXT set. */
    INDIRECT_WITH_NEXT(false),
    /** An indirect table whose length is 0, not a multiple of 16, or of more descriptors than the device's queue size. */
    INDIRECT_BAD_SIZE(false),
    /** An indirect table that leaves guest RAM. */
    INDIRECT_OUT_OF_RAM(false),
    /** An indirect descriptor inside an indirect table. */
    NESTED_INDIRECT(false),
    /**
     * The avail index moved by more than the queue size since the device last looked: the ring
     * state can no longer be trusted, so the queue stops until the driver resets the device.
     */
    AVAIL_INDEX_JUMP(true),
    /** Guest memory refused an access the queue had validated: a bug, handled as fatal for the queue. */
    MEMORY_ERROR(true);

    private final boolean fatal;

    ChainFault(boolean fatal) {
        this.fatal = fatal;
    }

    /** True if the queue stopped serving after this fault (the device then needs a reset). */
    public boolean fatal() {
        return fatal;
    }
}
