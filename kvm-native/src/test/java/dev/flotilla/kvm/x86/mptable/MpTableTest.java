package dev.flotilla.kvm.x86.mptable;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.HeapGuestMemory;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

class MpTableTest {

    final HeapGuestMemory mem = HeapGuestMemory.ofSize(2 << 20);

    private int sum(long addr, int len) {
        int s = 0;
        for (byte b : mem.read(GuestAddress.of(addr), len)) s += b & 0xff;
        return s & 0xff;
    }

    @Test
    void floatingPointerAndConfigTableChecksumToZero() {
        for (int vcpus : new int[] {1, 2, 32}) {
            MpTable.write(mem, vcpus);
            long base = 0x9fc00;
            assertEquals("_MP_", new String(mem.read(GuestAddress.of(base), 4), StandardCharsets.US_ASCII));
            assertEquals(base + 16, mem.readU32(GuestAddress.of(base + 4)));
            assertEquals(1, mem.readU8(GuestAddress.of(base + 8)));
            assertEquals(4, mem.readU8(GuestAddress.of(base + 9)));
            assertEquals(0, sum(base, 16), "floating pointer checksum");

            long t = base + 16;
            assertEquals("PCMP", new String(mem.read(GuestAddress.of(t), 4), StandardCharsets.US_ASCII));
            int len = mem.readU16(GuestAddress.of(t + 4));
            assertEquals(MpTable.size(vcpus) - 16, len);
            assertTrue(t + len <= 0xa0000, "fits below 0xA0000");
            assertEquals(0, sum(t, len), "configuration table checksum");
            assertEquals(0xFEE00000L, mem.readU32(GuestAddress.of(t + 36)));
            int count = mem.readU16(GuestAddress.of(t + 34));
            assertEquals(vcpus + 1 + 1 + 24 + 2, count);

            int cpus = 0, ioInts = 0, lints = 0;
            long e = t + 44;
            for (int i = 0; i < count; i++) {
                int type = mem.readU8(GuestAddress.of(e));
                switch (type) {
                    case 0 -> {
                        assertEquals(cpus, mem.readU8(GuestAddress.of(e + 1)), "LAPIC ID");
                        int flags = mem.readU8(GuestAddress.of(e + 3));
                        assertEquals(cpus == 0 ? 3 : 1, flags, "enabled, BSP only on 0");
                        cpus++;
                        e += 20;
                    }
                    case 2 -> {
                        assertEquals(vcpus + 1, mem.readU8(GuestAddress.of(e + 1)));
                        assertEquals(0xFEC00000L, mem.readU32(GuestAddress.of(e + 4)));
                        e += 8;
                    }
                    case 3 -> {
                        assertEquals(ioInts, mem.readU8(GuestAddress.of(e + 5)), "source IRQ");
                        assertEquals(ioInts, mem.readU8(GuestAddress.of(e + 7)), "IOAPIC pin");
                        ioInts++;
                        e += 8;
                    }
                    case 4 -> {
                        lints++;
                        e += 8;
                    }
                    case 1 -> {
                        assertEquals("ISA   ", new String(mem.read(GuestAddress.of(e + 2), 6), StandardCharsets.US_ASCII));
                        e += 8;
                    }
                    default -> fail("unknown MP entry type " + type);
                }
            }
            assertEquals(t + len, e, "entries fill the table exactly");
            assertEquals(vcpus, cpus);
            assertEquals(24, ioInts);
            assertEquals(2, lints);
        }
    }

    @Test
    void tooManyVcpusForTheAreaAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> MpTable.write(mem, 64));
    }
}
