package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.x86.MsrEntry;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

class VcpuSetupTest {

    final BootResult linux = new BootResult(BootProtocol.LINUX_64, GuestAddress.of(0x100_0000),
            GuestAddress.of(0xe0000), Optional.empty());

    @Test
    void msrsAreFirecrackersBootSet() {
        Map<Integer, Long> msrs = linux.bootMsrs().stream().collect(Collectors.toMap(MsrEntry::index, MsrEntry::data));
        assertEquals(11, msrs.size());
        for (int zeroed : new int[] {0x174, 0x175, 0x176, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,
                0xc0000102, 0x10}) {
            assertEquals(0L, msrs.get(zeroed), "MSR 0x" + Integer.toHexString(zeroed));
        }
        assertEquals(1L, msrs.get(0x1a0), "IA32_MISC_ENABLE fast strings");
        assertEquals(0x806L, msrs.get(0x2ff), "MTRRdefType: enabled, write-back");
    }

    @Test
    void lapicLintPinsAreExtIntAndNmi() {
        byte[] state = new byte[1024];
        state[0x350] = 0x30;                    // a vector, kept
        state[0x351] = 0x07;                    // old delivery mode bits, replaced
        state[0x362] = 0x01;                    // mask bit 16 on LINT1, kept
        byte[] out = linux.configureLapicLint(state);
        assertEquals(0x0730, LapicLint.get(out, 0x350));
        assertEquals(0x0001_0400, LapicLint.get(out, 0x360));
        assertEquals(0x07, state[0x351], "input not modified");
        assertThrows(IllegalArgumentException.class, () -> linux.configureLapicLint(new byte[512]));
    }

    @Test
    void gdtEntriesMatchTheKnownEncodings() {
        assertEquals(0x00af9b000000ffffL, Gdt.entry(0xa09b, 0, 0xfffff));
        assertEquals(0x00cf93000000ffffL, Gdt.entry(0xc093, 0, 0xfffff));
        assertEquals(0x008f8b000000ffffL, Gdt.entry(0x808b, 0, 0xfffff));
        // base and limit fields land in their split positions and decode back
        long e = Gdt.entry(0xc093, 0x12345678L, 0xabcde);
        var s = new dev.flotilla.kvm.x86.Segment();
        Gdt.toSegment(e, 2, s);
        assertEquals(0x12345678L, s.base);
        assertEquals(0xabcdefff, s.limit);
        assertEquals(0x10, s.selector);
        assertEquals(1, s.present);
        assertEquals(0, s.unusable);
        Gdt.toSegment(0, 0, s);
        assertEquals(1, s.unusable);
    }
}
