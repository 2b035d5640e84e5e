package dev.flotilla.kvm.sys;

import dev.flotilla.kvm.x86.CpuidEntry;
import dev.flotilla.kvm.x86.MsrEntry;
import dev.flotilla.kvm.x86.Regs;
import dev.flotilla.kvm.x86.Sregs;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Marshalling writes each field where the C struct has it and reads it back unchanged. */
class LayoutRoundTripTest {

    private static ByteBuffer buf(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void regs() {
        Regs r = new Regs();
        r.rax = 1; r.rbx = 2; r.rcx = 3; r.rdx = 4; r.rsi = 5; r.rdi = 6; r.rsp = 7; r.rbp = 8;
        r.r8 = 9; r.r15 = 16; r.rip = 0x100000; r.rflags = 2;
        ByteBuffer b = buf(KvmStructs.KVM_REGS_SIZE);
        RegsLayout.writeRegs(b, r);
        assertEquals(0x100000, b.getLong(128), "rip at 128");
        assertEquals(2, b.getLong(136), "rflags at 136");
        assertEquals(7, b.getLong(48), "rsp at 48");
        assertEquals(r.toString(), RegsLayout.readRegs(b).toString());
        assertEquals(16, RegsLayout.readRegs(b).r15);
    }

    @Test
    void sregs() {
        Sregs s = new Sregs();
        s.cs.base = 0; s.cs.limit = 0xffffffff; s.cs.selector = 0x10; s.cs.type = 11; s.cs.present = 1;
        s.cs.s = 1; s.cs.l = 1; s.cs.g = 1;
        s.tr.selector = 0x18; s.ldt.unusable = 1;
        s.gdt.base = 0x500; s.gdt.limit = 0x2f; s.idt.base = 0x520; s.idt.limit = 0xffff;
        s.cr0 = 0x80050033L; s.cr3 = 0x9000; s.cr4 = 0x20; s.efer = 0xd01; s.apic_base = 0xfee00900L;
        s.interrupt_bitmap[3] = 1L << 63;
        ByteBuffer b = buf(KvmStructs.KVM_SREGS_SIZE);
        RegsLayout.writeSregs(b, s);
        assertEquals(0x10, b.getShort(12), "cs.selector");
        assertEquals(1, b.get(19), "cs.l");
        assertEquals(0x18, b.getShort(6 * 24 + 12), "tr.selector");
        assertEquals(0x500, b.getLong(192), "gdt.base");
        assertEquals(0x9000, b.getLong(240), "cr3");
        assertEquals(0xd01, b.getLong(264), "efer");
        Sregs back = RegsLayout.readSregs(b);
        assertEquals(s.cs.toString(), back.cs.toString());
        assertEquals(0xffffffff, back.cs.limit);
        assertEquals(1, back.ldt.unusable);
        assertEquals(0xffff, back.idt.limit);
        assertEquals(0x80050033L, back.cr0);
        assertEquals(0xfee00900L, back.apic_base);
        assertEquals(1L << 63, back.interrupt_bitmap[3]);
    }

    @Test
    void cpuidAndMsrs() {
        List<CpuidEntry> entries = List.of(new CpuidEntry(0, 0, 0, 0xd, 1, 2, 3),
                new CpuidEntry(7, 1, CpuidEntry.FLAG_SIGNIFICANT_INDEX, -1, 0, 0, 5));
        ByteBuffer b = buf(CpuidLayout.size(2));
        CpuidLayout.write(b, entries);
        assertEquals(2, b.getInt(0));
        assertEquals(7, b.getInt(8 + 40), "second entry's function");
        assertEquals(entries, CpuidLayout.read(b));

        List<MsrEntry> msrs = List.of(new MsrEntry(0x174, 0x10), new MsrEntry(0xc0000080, -1));
        ByteBuffer m = buf(MsrsLayout.size(2));
        MsrsLayout.write(m, msrs);
        assertEquals(0xc0000080, m.getInt(8 + 16));
        assertEquals(msrs, MsrsLayout.read(m, 2));
    }

    @Test
    void smallStructs() {
        ByteBuffer b = buf(KvmStructs.KVM_IOEVENTFD_SIZE);
        KvmStructs.ioeventfd(b, 7, 0xC000_1050L, 4, 9, KvmStructs.KVM_IOEVENTFD_FLAG_DATAMATCH);
        assertEquals(7, b.getLong(0));
        assertEquals(0xC000_1050L, b.getLong(8));
        assertEquals(4, b.getInt(16));
        assertEquals(9, b.getInt(20));
        assertEquals(1, b.getInt(24));
        ByteBuffer r = buf(KvmStructs.KVM_USERSPACE_MEMORY_REGION_SIZE);
        KvmStructs.userspaceMemoryRegion(r, 2, 0, 0x1_0000_0000L, 1 << 20, 0x7f00_0000_0000L);
        assertEquals(2, r.getInt(0));
        assertEquals(0x1_0000_0000L, r.getLong(8));
        assertEquals(0x7f00_0000_0000L, r.getLong(24));
        ByteBuffer msi = buf(KvmStructs.KVM_MSI_SIZE);
        KvmStructs.msi(msi, 0x1_FEE0_0000L, 0x41);
        assertEquals(0xFEE0_0000, msi.getInt(0));
        assertEquals(1, msi.getInt(4));
        assertEquals(0x41, msi.getInt(8));
    }
}
