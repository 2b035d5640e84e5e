package dev.flotilla.kvm;

import dev.flotilla.kvm.sys.KvmRunLayout;

import java.nio.ByteBuffer;

/**
 * Reads a {@code kvm_run} into a {@link VcpuExit}, and writes the answer to a PIO/MMIO read back into
 * it. Separate from {@link VcpuFd} so it can be tested on a synthetic kvm_run. Confined to the vCPU
 * thread, like the run loop.
 */
final class KvmRunDecoder {

    private enum Pending { NONE, IO_IN, MMIO_READ }

    private final ByteBuffer run;
    private final String owner;
    private Pending pending = Pending.NONE;
    private int pendingOffset;
    private int pendingLength;

    /** {@code run}: little-endian, absolute-indexed view of the whole vCPU mapping. */
    KvmRunDecoder(ByteBuffer run, String owner) {
        this.run = run;
        this.owner = owner;
    }

    VcpuExit decode() {
        int reason = run.getInt(KvmRunLayout.EXIT_REASON);
        pending = Pending.NONE;
        switch (reason) {
            case KvmRunLayout.KVM_EXIT_IO: return io();
            case KvmRunLayout.KVM_EXIT_MMIO: return mmio();
            case KvmRunLayout.KVM_EXIT_HLT: return VcpuExit.HLT;
            case KvmRunLayout.KVM_EXIT_SHUTDOWN: return VcpuExit.SHUTDOWN;
            case KvmRunLayout.KVM_EXIT_INTR: return VcpuExit.INTERRUPTED;
            case KvmRunLayout.KVM_EXIT_FAIL_ENTRY:
                return new VcpuExit.FailEntry(run.getLong(KvmRunLayout.FAIL_ENTRY_REASON),
                        run.getInt(KvmRunLayout.FAIL_ENTRY_CPU));
            case KvmRunLayout.KVM_EXIT_INTERNAL_ERROR:
                return new VcpuExit.InternalError(run.getInt(KvmRunLayout.INTERNAL_SUBERROR),
                        longs(KvmRunLayout.INTERNAL_DATA, run.getInt(KvmRunLayout.INTERNAL_NDATA)));
            case KvmRunLayout.KVM_EXIT_SYSTEM_EVENT: {
                // Before KVM_CAP_SYSTEM_EVENT_DATA, ndata was padding (0) and data[0] held the flags.
                int ndata = run.getInt(KvmRunLayout.SYSTEM_EVENT_NDATA);
                return new VcpuExit.SystemEvent(run.getInt(KvmRunLayout.SYSTEM_EVENT_TYPE),
                        longs(KvmRunLayout.SYSTEM_EVENT_DATA, Math.max(ndata, 1)));
            }
            default: return new VcpuExit.Unknown(reason);
        }
    }

    private VcpuExit io() {
        int dir = run.get(KvmRunLayout.IO_DIRECTION);
        int size = run.get(KvmRunLayout.IO_SIZE) & 0xFF;
        int port = run.getShort(KvmRunLayout.IO_PORT) & 0xFFFF;
        int count = run.getInt(KvmRunLayout.IO_COUNT);
        long offset = run.getLong(KvmRunLayout.IO_DATA_OFFSET);
        long len = (long) size * Integer.toUnsignedLong(count);
        if (offset < KvmRunLayout.EXIT_UNION || len <= 0 || offset + len > run.capacity()) {
            throw new IllegalStateException("%s: KVM_EXIT_IO data outside kvm_run: offset %d, %d x %d bytes"
                    .formatted(owner, offset, count, size));
        }
        if (dir == KvmRunLayout.KVM_EXIT_IO_OUT) {
            byte[] data = new byte[(int) len];
            run.get((int) offset, data);
            return new VcpuExit.IoOut(port, size, data);
        }
        pending = Pending.IO_IN;
        pendingOffset = (int) offset;
        pendingLength = (int) len;
        return new VcpuExit.IoIn(port, size, count);
    }

    private VcpuExit mmio() {
        long addr = run.getLong(KvmRunLayout.MMIO_PHYS_ADDR);
        int len = Math.max(0, Math.min(run.getInt(KvmRunLayout.MMIO_LEN), 8));
        if (run.get(KvmRunLayout.MMIO_IS_WRITE) != 0) {
            byte[] data = new byte[len];
            run.get(KvmRunLayout.MMIO_DATA, data);
            return new VcpuExit.MmioWrite(addr, data);
        }
        pending = Pending.MMIO_READ;
        pendingOffset = KvmRunLayout.MMIO_DATA;
        pendingLength = len;
        return new VcpuExit.MmioRead(addr, len);
    }

    private long[] longs(int offset, int n) {
        int count = Math.max(0, Math.min(n, KvmRunLayout.INTERNAL_MAX_DATA));
        long[] out = new long[count];
        for (int i = 0; i < count; i++) out[i] = run.getLong(offset + 8 * i);
        return out;
    }

    void complete(byte[] data) {
        requirePending();
        if (data.length != pendingLength) {
            throw new IllegalArgumentException("completeIo: %d bytes given, the guest reads %d"
                    .formatted(data.length, pendingLength));
        }
        run.put(pendingOffset, data);
        pending = Pending.NONE;
    }

    void complete(long value) {
        requirePending();
        if (pendingLength > 8) {
            throw new IllegalArgumentException("completeIo(long): the guest reads " + pendingLength + " bytes");
        }
        for (int i = 0; i < pendingLength; i++) run.put(pendingOffset + i, (byte) (value >>> (8 * i)));
        pending = Pending.NONE;
    }

    private void requirePending() {
        if (pending == Pending.NONE) {
            throw new IllegalStateException("completeIo: the last exit of " + owner + " was not IoIn or MmioRead");
        }
    }
}
