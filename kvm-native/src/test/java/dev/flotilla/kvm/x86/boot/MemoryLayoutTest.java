package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory.Region;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class MemoryLayoutTest {

    static final long MIB = 1L << 20, GIB = 1L << 30;

    @Test
    void smallGuestIsOneRegionFromZero() {
        assertEquals(List.of(new Region(GuestAddress.of(0), 128 * MIB)), MemoryLayout.ramRegions(128 * MIB));
        assertEquals(List.of(new Region(GuestAddress.of(0), 3 * GIB)), MemoryLayout.ramRegions(3 * GIB));
    }

    @Test
    void largeGuestIsSplitAroundTheMmioGap() {
        assertEquals(List.of(new Region(GuestAddress.of(0), 0xC000_0000L),
                        new Region(GuestAddress.of(4 * GIB), GIB)),
                MemoryLayout.ramRegions(4 * GIB));
    }

    @Test
    void badSizesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> MemoryLayout.ramRegions(0));
        assertThrows(IllegalArgumentException.class, () -> MemoryLayout.ramRegions(MIB + 1));
    }

    @Test
    void virtioSlotsAre4KiBApartWithGsis5To23() {
        VirtioSlot s0 = MemoryLayout.slot(0), s18 = MemoryLayout.slot(18);
        assertEquals(0xC000_1000L, s0.base().value());
        assertEquals(5, s0.gsi());
        assertEquals(0xC001_3000L, s18.base().value());
        assertEquals(23, s18.gsi());
        assertEquals("virtio_mmio.device=4K@0xc0001000:5", s0.cmdlineDevice());
        assertThrows(IllegalArgumentException.class, () -> MemoryLayout.slot(19));
        assertThrows(IllegalArgumentException.class, () -> new VirtioSlot(1, GuestAddress.of(0xC000_1000L), 6));
    }

    @Test
    void lowRamEndStopsAtTheGap() {
        assertEquals(128 * MIB, MemoryLayout.lowRamEnd(MemoryLayout.ramRegions(128 * MIB)));
        assertEquals(0xC000_0000L, MemoryLayout.lowRamEnd(MemoryLayout.ramRegions(8 * GIB)));
    }
}
