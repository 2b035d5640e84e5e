package dev.flotilla.kvm;

import dev.flotilla.kvm.sys.KvmRunLayout;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Exit decoding on a synthetic kvm_run, for the exits a test guest cannot easily provoke. */
class KvmRunDecoderTest {

    private final ByteBuffer run = ByteBuffer.allocate(3 * 4096).order(ByteOrder.LITTLE_ENDIAN);
    private final KvmRunDecoder decoder = new KvmRunDecoder(run, "vCPU 0");

    private void io(int dir, int size, int port, int count, long offset) {
        run.putInt(KvmRunLayout.EXIT_REASON, KvmRunLayout.KVM_EXIT_IO);
        run.put(KvmRunLayout.IO_DIRECTION, (byte) dir).put(KvmRunLayout.IO_SIZE, (byte) size)
                .putShort(KvmRunLayout.IO_PORT, (short) port).putInt(KvmRunLayout.IO_COUNT, count)
                .putLong(KvmRunLayout.IO_DATA_OFFSET, offset);
    }

    @Test
    void stringPortInputIsAnsweredAtTheDataOffset() {
        io(KvmRunLayout.KVM_EXIT_IO_IN, 2, 0xCF8, 3, 4096);
        assertEquals(new VcpuExit.IoIn(0xCF8, 2, 3), decoder.decode());
        decoder.complete(new byte[] {1, 2, 3, 4, 5, 6});
        assertEquals(0x0201, run.getShort(4096));
        assertEquals(0x0605, run.getShort(4100));
    }

    @Test
    void portOutputBeyondTheMappingIsRefused() {
        io(KvmRunLayout.KVM_EXIT_IO_OUT, 4, 0x80, 3000, 4096);   // 12000 bytes from 4096: past 12 KiB
        assertThrows(IllegalStateException.class, decoder::decode);
        io(KvmRunLayout.KVM_EXIT_IO_OUT, 4, 0x80, -1, 4096);
        assertThrows(IllegalStateException.class, decoder::decode, "count as unsigned");
    }

    @Test
    void mmioReadIsAnsweredInTheMmioDataField() {
        run.putInt(KvmRunLayout.EXIT_REASON, KvmRunLayout.KVM_EXIT_MMIO);
        run.putLong(KvmRunLayout.MMIO_PHYS_ADDR, 0xC000_1000L).putInt(KvmRunLayout.MMIO_LEN, 4).put(KvmRunLayout.MMIO_IS_WRITE, (byte) 0);
        assertEquals(new VcpuExit.MmioRead(0xC000_1000L, 4), decoder.decode());
        decoder.complete(0x74726976L);                        // "virt"
        assertEquals(0x74726976, run.getInt(KvmRunLayout.MMIO_DATA));
        assertThrows(IllegalStateException.class, () -> decoder.complete(0), "answered already");
    }

    @Test
    void anyOtherExitCancelsAPendingRead() {
        run.putInt(KvmRunLayout.EXIT_REASON, KvmRunLayout.KVM_EXIT_MMIO);
        run.putInt(KvmRunLayout.MMIO_LEN, 1).put(KvmRunLayout.MMIO_IS_WRITE, (byte) 0);
        decoder.decode();
        run.putInt(KvmRunLayout.EXIT_REASON, KvmRunLayout.KVM_EXIT_HLT);
        assertEquals(VcpuExit.HLT, decoder.decode());
        assertThrows(IllegalStateException.class, () -> decoder.complete(new byte[1]));
    }

    @Test
    void systemEventWithAndWithoutData() {
        run.putInt(KvmRunLayout.EXIT_REASON, KvmRunLayout.KVM_EXIT_SYSTEM_EVENT);
        run.putInt(KvmRunLayout.SYSTEM_EVENT_TYPE, VcpuExit.SystemEvent.RESET).putInt(KvmRunLayout.SYSTEM_EVENT_NDATA, 2)
                .putLong(KvmRunLayout.SYSTEM_EVENT_DATA, 7).putLong(KvmRunLayout.SYSTEM_EVENT_DATA + 8, 8);
        VcpuExit.SystemEvent e = (VcpuExit.SystemEvent) decoder.decode();
        assertEquals("RESET", e.typeName());
        assertArrayEquals(new long[] {7, 8}, e.data());
        run.putInt(KvmRunLayout.SYSTEM_EVENT_NDATA, 0);     // pre-SYSTEM_EVENT_DATA kernels: flags in data[0]
        assertArrayEquals(new long[] {7}, ((VcpuExit.SystemEvent) decoder.decode()).data());
        run.putInt(KvmRunLayout.SYSTEM_EVENT_NDATA, 1000);
        assertEquals(16, ((VcpuExit.SystemEvent) decoder.decode()).data().length, "bounded by the union");
    }

    @Test
    void failEntryInternalErrorAndUnknown() {
        run.putInt(KvmRunLayout.EXIT_REASON, KvmRunLayout.KVM_EXIT_FAIL_ENTRY);
        run.putLong(KvmRunLayout.FAIL_ENTRY_REASON, 0x80000021L).putInt(KvmRunLayout.FAIL_ENTRY_CPU, 1);
        assertEquals(new VcpuExit.FailEntry(0x80000021L, 1), decoder.decode());

        run.putInt(KvmRunLayout.EXIT_REASON, KvmRunLayout.KVM_EXIT_INTERNAL_ERROR);
        run.putInt(KvmRunLayout.INTERNAL_SUBERROR, 1).putInt(KvmRunLayout.INTERNAL_NDATA, 3)
                .putLong(KvmRunLayout.INTERNAL_DATA, 1).putLong(KvmRunLayout.INTERNAL_DATA + 8, 0xCC01L);
        VcpuExit.InternalError ie = (VcpuExit.InternalError) decoder.decode();
        assertArrayEquals(new byte[] {(byte) 0xCC}, ie.instructionBytes());

        run.putInt(KvmRunLayout.EXIT_REASON, 29);   // KVM_EXIT_X86_RDMSR: not enabled by us
        assertEquals(new VcpuExit.Unknown(29), decoder.decode());
        run.putInt(KvmRunLayout.EXIT_REASON, KvmRunLayout.KVM_EXIT_SHUTDOWN);
        assertEquals(VcpuExit.SHUTDOWN, decoder.decode());
        run.putInt(KvmRunLayout.EXIT_REASON, KvmRunLayout.KVM_EXIT_INTR);
        assertEquals(VcpuExit.INTERRUPTED, decoder.decode());
    }
}
