package dev.flotilla.kvm.x86.boot;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class E820MapTest {

    static final long MIB = 1L << 20, GIB = 1L << 30;

    @Test
    void smallGuestHasBaseMemoryReservedAreaAndHighRam() {
        assertEquals(List.of(
                new E820Entry(0, 0x9fc00, E820Entry.RAM),
                new E820Entry(0x9fc00, 0x100000 - 0x9fc00, E820Entry.RESERVED),
                new E820Entry(0x100000, 128 * MIB - 0x100000, E820Entry.RAM)),
                E820Map.build(MemoryLayout.ramRegions(128 * MIB)));
    }

    @Test
    void fourGiBGuestResumesAbove4GiB() {
        assertEquals(List.of(
                new E820Entry(0, 0x9fc00, E820Entry.RAM),
                new E820Entry(0x9fc00, 0x100000 - 0x9fc00, E820Entry.RESERVED),
                new E820Entry(0x100000, 0xC000_0000L - 0x100000, E820Entry.RAM),
                new E820Entry(0x1_0000_0000L, GIB, E820Entry.RAM)),
                E820Map.build(MemoryLayout.ramRegions(4 * GIB)));
    }

    @Test
    void reservedAreaCoversMpAcpiAndRsdp() {
        E820Entry reserved = E820Map.build(MemoryLayout.ramRegions(64 * MIB)).get(1);
        assertTrue(reserved.addr() <= MemoryLayout.MPTABLE_START.value());
        assertTrue(reserved.end() > MemoryLayout.RSDP_ADDR.value() + 36);
    }

    @Test
    void guestWithoutTheFirstMiBIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> E820Map.build(MemoryLayout.ramRegions(512 * 1024)));
    }
}
