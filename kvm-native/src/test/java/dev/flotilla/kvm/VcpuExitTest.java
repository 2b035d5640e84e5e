package dev.flotilla.kvm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VcpuExitTest {

    @Test
    void emulationFailureInstructionBytesAreUnpackedFromTheDataWords() {
        // data[0] = flags (INSTRUCTION_BYTES), then u8 insn_size = 4 and bytes f3 0f b8 c0, little-endian
        long word1 = 0x04L | 0xF3L << 8 | 0x0FL << 16 | 0xB8L << 24 | 0xC0L << 32;
        var e = new VcpuExit.InternalError(VcpuExit.InternalError.EMULATION, new long[] {1, word1, 0});
        assertArrayEquals(new byte[] {(byte) 0xF3, 0x0F, (byte) 0xB8, (byte) 0xC0}, e.instructionBytes());
        assertTrue(e.describe().contains("f3 0f b8 c0"), e.describe());
    }

    @Test
    void instructionBytesAreEmptyWithoutTheFlagOrForOtherSuberrors() {
        assertEquals(0, new VcpuExit.InternalError(1, new long[] {0, 0x41, 0}).instructionBytes().length);
        assertEquals(0, new VcpuExit.InternalError(1, new long[0]).instructionBytes().length);
        assertEquals(0, new VcpuExit.InternalError(3, new long[] {1, 0x41, 0}).instructionBytes().length);
        assertTrue(new VcpuExit.InternalError(3, new long[0]).describe().contains("deliver"));
    }

    @Test
    void fifteenBytesAtMost() {
        var e = new VcpuExit.InternalError(1, new long[] {1, 0xFF, 0});
        assertEquals(15, e.instructionBytes().length);
    }

    @Test
    void exitsWithArraysCompareByContent() {
        assertEquals(new VcpuExit.IoOut(0x3f8, 1, new byte[] {65}), new VcpuExit.IoOut(0x3f8, 1, new byte[] {65}));
        assertNotEquals(new VcpuExit.IoOut(0x3f8, 1, new byte[] {65}), new VcpuExit.IoOut(0x3f8, 1, new byte[] {66}));
        assertEquals(new VcpuExit.MmioWrite(0xC000_0000L, new byte[] {123}), new VcpuExit.MmioWrite(0xC000_0000L, new byte[] {123}));
        assertEquals("IoOut[port=0x3f8, size=1, data=41]", new VcpuExit.IoOut(0x3f8, 1, new byte[] {65}).toString());
        assertEquals(3, new VcpuExit.IoIn(0x60, 1, 3).length());
    }

    @Test
    void systemEventTypesHaveNames() {
        assertEquals("RESET", new VcpuExit.SystemEvent(VcpuExit.SystemEvent.RESET, new long[0]).typeName());
        assertEquals("SHUTDOWN", new VcpuExit.SystemEvent(1, new long[0]).typeName());
        assertEquals("CRASH", new VcpuExit.SystemEvent(3, new long[0]).typeName());
    }
}
