package dev.flotilla.kvm.x86.acpi;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.HeapGuestMemory;
import dev.flotilla.kvm.x86.boot.MemoryLayout;
import dev.flotilla.kvm.x86.boot.VirtioSlot;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class AcpiTablesTest {

    final HeapGuestMemory mem = HeapGuestMemory.ofSize(128L << 20);

    static List<VirtioSlot> slots(int n) {
        return IntStream.range(0, n).mapToObj(VirtioSlot::of).toList();
    }

    private String sig(long addr, int len) {
        return new String(mem.read(GuestAddress.of(addr), len), StandardCharsets.US_ASCII);
    }

    private int sum(long addr, int len) {
        int s = 0;
        for (byte b : mem.read(GuestAddress.of(addr), len)) s += b & 0xff;
        return s & 0xff;
    }

    /** Checks the SDT header invariants and returns the table length. */
    private int checkTable(long addr, String signature) {
        assertEquals(signature, sig(addr, 4));
        int len = mem.readU32AsInt(GuestAddress.of(addr + 4));
        assertTrue(len >= 36 && len < 0x10000, signature + " length " + len);
        assertEquals(0, sum(addr, len), signature + " checksum");
        assertEquals("FLOTLA", sig(addr + 10, 6));
        return len;
    }

    @Test
    void rsdpHasBothChecksumsAndPointsAtXsdt() {
        GuestAddress rsdp = AcpiTables.write(mem, 2, slots(3));
        assertEquals(MemoryLayout.RSDP_ADDR, rsdp);
        assertEquals("RSD PTR ", sig(rsdp.value(), 8));
        assertEquals(0, sum(rsdp.value(), 20));
        assertEquals(0, sum(rsdp.value(), 36));
        assertEquals(2, mem.readU8(rsdp.plus(15)));
        assertEquals(36, mem.readU32AsInt(rsdp.plus(20)));
        assertEquals(0, mem.readU32AsInt(rsdp.plus(16)));
        checkTable(mem.readU64(rsdp.plus(24)), "XSDT");
    }

    @Test
    void xsdtPointsAtFadtAndMadtAndFadtAtDsdt() {
        GuestAddress rsdp = AcpiTables.write(mem, 4, slots(2));
        long xsdt = mem.readU64(rsdp.plus(24));
        int len = checkTable(xsdt, "XSDT");
        assertEquals(36 + 2 * 8, len);
        List<String> sigs = new ArrayList<>();
        for (int i = 0; i < (len - 36) / 8; i++) {
            long t = mem.readU64(GuestAddress.of(xsdt + 36 + 8L * i));
            sigs.add(sig(t, 4));
            checkTable(t, sig(t, 4));
            assertTrue(t >= MemoryLayout.ACPI_TABLES_START.value() && t < MemoryLayout.RSDP_ADDR.value());
        }
        assertEquals(List.of("FACP", "APIC"), sigs);

        long fadt = mem.readU64(GuestAddress.of(xsdt + 36));
        assertEquals(Fadt.SIZE, checkTable(fadt, "FACP"));
        assertEquals(6, mem.readU8(GuestAddress.of(fadt + 8)));
        int flags = mem.readU32AsInt(GuestAddress.of(fadt + Fadt.FLAGS_OFFSET));
        assertNotEquals(0, flags & Fadt.FLAG_HW_REDUCED_ACPI);
        int iapc = mem.readU16(GuestAddress.of(fadt + Fadt.IAPC_BOOT_ARCH_OFFSET));
        assertNotEquals(0, iapc & Fadt.IAPC_8042);
        assertNotEquals(0, iapc & Fadt.IAPC_VGA_NOT_PRESENT);
        assertEquals(0, mem.readU32AsInt(GuestAddress.of(fadt + 40)), "32-bit DSDT left 0; X_DSDT is used");
        long dsdt = mem.readU64(GuestAddress.of(fadt + Fadt.X_DSDT_OFFSET));
        int dsdtLen = checkTable(dsdt, "DSDT");
        assertEquals(Dsdt.build(slots(2)).length, dsdtLen);
    }

    @Test
    void madtHasOneEnabledLocalApicPerVcpuAndOneIoApic() {
        for (int vcpus : new int[] {1, 2, 7, 32}) {
            byte[] madt = Madt.build(vcpus);
            mem.write(GuestAddress.of(0x10_0000), madt);
            int len = checkTable(0x10_0000, "APIC");
            assertEquals(madt.length, len);
            assertEquals((int) MemoryLayout.LAPIC_ADDR, mem.readU32AsInt(GuestAddress.of(0x10_0000 + 36)));
            int lapics = 0, ioapics = 0;
            for (int off = Madt.ENTRIES_OFFSET; off < len; ) {
                int type = madt[off] & 0xff, elen = madt[off + 1] & 0xff;
                assertTrue(elen > 0);
                if (type == 0) {
                    assertEquals(lapics, madt[off + 2] & 0xff, "ACPI UID");
                    assertEquals(lapics, madt[off + 3] & 0xff, "APIC ID");
                    assertEquals(1, madt[off + 4] & 1, "enabled");
                    lapics++;
                } else if (type == 1) {
                    assertEquals((int) MemoryLayout.IOAPIC_ADDR, mem.readU32AsInt(GuestAddress.of(0x10_0000 + off + 4)));
                    assertEquals(0, mem.readU32AsInt(GuestAddress.of(0x10_0000 + off + 8)), "GSI base");
                    ioapics++;
                }
                off += elen;
            }
            assertEquals(vcpus, lapics);
            assertEquals(1, ioapics);
        }
    }

    @Test
    void dsdtDescribesEveryVirtioSlot() {
        byte[] aml = Dsdt.aml(slots(19));
        String s = new String(aml, StandardCharsets.ISO_8859_1);
        for (int i = 0; i < 19; i++) assertTrue(s.contains("V%03d".formatted(i)), "device V%03d".formatted(i));
        assertEquals(19, s.split("LNRO0005", -1).length - 1);
        // Scope(\_SB_) with a multi-byte PkgLength spanning the whole body
        assertEquals(AmlWriter.SCOPE_OP, aml[0]);
        byte[] rest = java.util.Arrays.copyOfRange(aml, 1, aml.length);
        assertEquals(aml.length - 1, AmlWriterTest.decodePkgLength(rest));
    }
}
