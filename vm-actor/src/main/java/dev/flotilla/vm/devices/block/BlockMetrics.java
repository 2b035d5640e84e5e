package dev.flotilla.vm.devices.block;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one virtio-blk device, Firecracker's block metrics in spirit: written by the device
 * worker, read by anyone (the device's actor, metrics scrapes). LongAdder keeps a write a plain add.
 */
public final class BlockMetrics {

    private final LongAdder reads = new LongAdder();
    private final LongAdder readBytes = new LongAdder();
    private final LongAdder writes = new LongAdder();
    private final LongAdder writeBytes = new LongAdder();
    private final LongAdder flushes = new LongAdder();
    private final LongAdder getIds = new LongAdder();
    private final LongAdder unsupported = new LongAdder();
    private final LongAdder readOnlyRefusals = new LongAdder();
    private final LongAdder throttled = new LongAdder();
    private final LongAdder swaps = new LongAdder();
    private final EnumMap<RequestFault, LongAdder> malformed = new EnumMap<>(RequestFault.class);
    private final EnumMap<IoErrorKind, LongAdder> ioErrors = new EnumMap<>(IoErrorKind.class);

    BlockMetrics() {
        for (RequestFault f : RequestFault.values()) malformed.put(f, new LongAdder());
        for (IoErrorKind k : IoErrorKind.values()) ioErrors.put(k, new LongAdder());
    }

    void recordRead(long bytes) {
        reads.increment();
        readBytes.add(bytes);
    }

    void recordWrite(long bytes) {
        writes.increment();
        writeBytes.add(bytes);
    }

    void recordFlush() {
        flushes.increment();
    }

    void recordGetId() {
        getIds.increment();
    }

    void recordUnsupported() {
        unsupported.increment();
    }

    void recordReadOnlyRefusal() {
        readOnlyRefusals.increment();
    }

    void recordThrottled() {
        throttled.increment();
    }

    void recordSwap() {
        swaps.increment();
    }

    void recordMalformed(RequestFault f) {
        malformed.get(f).increment();
    }

    void recordIoError(IoErrorKind k) {
        ioErrors.get(k).increment();
    }

    /** The counters under Firecracker's block metric names (read_bytes, write_count ...), for metrics export. */
    public java.util.Map<String, Long> counters() {
        java.util.Map<String, Long> m = new java.util.TreeMap<>();
        m.put("read_count", reads());
        m.put("read_bytes", readBytes());
        m.put("write_count", writes());
        m.put("write_bytes", writeBytes());
        m.put("flush_count", flushes());
        m.put("get_id_count", getIds());
        m.put("unsupported_count", unsupported());
        m.put("read_only_refusals", readOnlyRefusals());
        m.put("rate_limiter_throttled_events", throttledEvents());
        m.put("update_count", swaps());
        m.put("invalid_reqs_count", malformedTotal());
        return m;
    }

    /** Completed reads (VIRTIO_BLK_T_IN answered OK). */
    public long reads() {
        return reads.sum();
    }

    public long readBytes() {
        return readBytes.sum();
    }

    /** Completed writes (VIRTIO_BLK_T_OUT answered OK). */
    public long writes() {
        return writes.sum();
    }

    public long writeBytes() {
        return writeBytes.sum();
    }

    public long flushes() {
        return flushes.sum();
    }

    public long getIds() {
        return getIds.sum();
    }

    /** Requests of a type the device does not implement (answered VIRTIO_BLK_S_UNSUPP). */
    public long unsupported() {
        return unsupported.sum();
    }

    /** Writes refused because the drive is read-only. */
    public long readOnlyRefusals() {
        return readOnlyRefusals.sum();
    }

    /** Times the queue stopped because the rate limiter had no tokens. */
    public long throttledEvents() {
        return throttled.sum();
    }

    /** Backing files swapped in while running. */
    public long swaps() {
        return swaps.sum();
    }

    public long malformed(RequestFault f) {
        return malformed.get(f).sum();
    }

    /** Requests refused as malformed, all reasons. */
    public long malformedTotal() {
        return malformed.values().stream().mapToLong(LongAdder::sum).sum();
    }

    public long ioErrors(IoErrorKind k) {
        return ioErrors.get(k).sum();
    }

    /** Requests failed by the host file, all kinds. */
    public long ioErrorsTotal() {
        return ioErrors.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Non-zero malformed counts by reason. */
    public Map<RequestFault, Long> malformedByReason() {
        return nonZero(malformed, RequestFault.class);
    }

    /** Non-zero host I/O error counts by kind. */
    public Map<IoErrorKind, Long> ioErrorsByKind() {
        return nonZero(ioErrors, IoErrorKind.class);
    }

    private static <E extends Enum<E>> Map<E, Long> nonZero(EnumMap<E, LongAdder> m, Class<E> type) {
        EnumMap<E, Long> out = new EnumMap<>(type);
        m.forEach((k, v) -> {
            long n = v.sum();
            if (n != 0) out.put(k, n);
        });
        return out;
    }

    @Override
    public String toString() {
        return "BlockMetrics{reads=" + reads() + " (" + readBytes() + " B), writes=" + writes() + " (" + writeBytes()
                + " B), flushes=" + flushes() + ", getIds=" + getIds() + ", unsupported=" + unsupported()
                + ", readOnlyRefusals=" + readOnlyRefusals() + ", throttled=" + throttledEvents()
                + ", malformed=" + malformedByReason() + ", ioErrors=" + ioErrorsByKind() + "}";
    }
}
