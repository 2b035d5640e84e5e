package dev.flotilla.kvm.sys;

import dev.flotilla.kvm.x86.DTable;
import dev.flotilla.kvm.x86.Regs;
import dev.flotilla.kvm.x86.Segment;
import dev.flotilla.kvm.x86.Sregs;

import java.nio.ByteBuffer;

/** Marshalling of {@code kvm_regs}, {@code kvm_sregs} and {@code kvm_fpu} (x86_64 layouts). */
public final class RegsLayout {

    private RegsLayout() {}

    // kvm_segment { u64 base; u32 limit; u16 selector; u8 type, present, dpl, db, s, l, g, avl, unusable, padding; }
    public static final int KVM_SEGMENT_SIZE = 24;
    // kvm_dtable { u64 base; u16 limit; u16 padding[3]; }
    public static final int KVM_DTABLE_SIZE = 16;
    public static final int SREGS_GDT = 8 * KVM_SEGMENT_SIZE;       // 192
    public static final int SREGS_IDT = SREGS_GDT + KVM_DTABLE_SIZE; // 208
    public static final int SREGS_CR0 = SREGS_IDT + KVM_DTABLE_SIZE; // 224
    public static final int SREGS_EFER = SREGS_CR0 + 5 * 8;          // 264
    public static final int SREGS_APIC_BASE = SREGS_EFER + 8;        // 272
    public static final int SREGS_INTERRUPT_BITMAP = SREGS_APIC_BASE + 8; // 280

    // kvm_fpu { u8 fpr[8][16]; u16 fcw, fsw; u8 ftwx, pad1; u16 last_opcode; u64 last_ip, last_dp; u8 xmm[16][16]; u32 mxcsr, pad2; }
    public static final int FPU_FCW = 128;
    public static final int FPU_MXCSR = 408;

    public static void writeRegs(ByteBuffer b, Regs r) {
        long[] v = {r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rsp, r.rbp,
                r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rip, r.rflags};
        for (int i = 0; i < v.length; i++) b.putLong(i * 8, v[i]);
    }

    public static Regs readRegs(ByteBuffer b) {
        Regs r = new Regs();
        r.rax = b.getLong(0); r.rbx = b.getLong(8); r.rcx = b.getLong(16); r.rdx = b.getLong(24);
        r.rsi = b.getLong(32); r.rdi = b.getLong(40); r.rsp = b.getLong(48); r.rbp = b.getLong(56);
        r.r8 = b.getLong(64); r.r9 = b.getLong(72); r.r10 = b.getLong(80); r.r11 = b.getLong(88);
        r.r12 = b.getLong(96); r.r13 = b.getLong(104); r.r14 = b.getLong(112); r.r15 = b.getLong(120);
        r.rip = b.getLong(128); r.rflags = b.getLong(136);
        return r;
    }

    private static Segment[] segments(Sregs s) {
        return new Segment[] {s.cs, s.ds, s.es, s.fs, s.gs, s.ss, s.tr, s.ldt};
    }

    public static void writeSregs(ByteBuffer b, Sregs s) {
        Segment[] segs = segments(s);
        for (int i = 0; i < segs.length; i++) writeSegment(b, i * KVM_SEGMENT_SIZE, segs[i]);
        writeDTable(b, SREGS_GDT, s.gdt);
        writeDTable(b, SREGS_IDT, s.idt);
        b.putLong(SREGS_CR0, s.cr0).putLong(SREGS_CR0 + 8, s.cr2).putLong(SREGS_CR0 + 16, s.cr3)
                .putLong(SREGS_CR0 + 24, s.cr4).putLong(SREGS_CR0 + 32, s.cr8);
        b.putLong(SREGS_EFER, s.efer).putLong(SREGS_APIC_BASE, s.apic_base);
        for (int i = 0; i < 4; i++) b.putLong(SREGS_INTERRUPT_BITMAP + i * 8, s.interrupt_bitmap[i]);
    }

    public static Sregs readSregs(ByteBuffer b) {
        Sregs s = new Sregs();
        Segment[] segs = segments(s);
        for (int i = 0; i < segs.length; i++) readSegment(b, i * KVM_SEGMENT_SIZE, segs[i]);
        readDTable(b, SREGS_GDT, s.gdt);
        readDTable(b, SREGS_IDT, s.idt);
        s.cr0 = b.getLong(SREGS_CR0);
        s.cr2 = b.getLong(SREGS_CR0 + 8);
        s.cr3 = b.getLong(SREGS_CR0 + 16);
        s.cr4 = b.getLong(SREGS_CR0 + 24);
        s.cr8 = b.getLong(SREGS_CR0 + 32);
        s.efer = b.getLong(SREGS_EFER);
        s.apic_base = b.getLong(SREGS_APIC_BASE);
        for (int i = 0; i < 4; i++) s.interrupt_bitmap[i] = b.getLong(SREGS_INTERRUPT_BITMAP + i * 8);
        return s;
    }

    static void writeSegment(ByteBuffer b, int off, Segment g) {
        b.putLong(off, g.base).putInt(off + 8, g.limit).putShort(off + 12, (short) g.selector);
        b.put(off + 14, (byte) g.type).put(off + 15, (byte) g.present).put(off + 16, (byte) g.dpl)
                .put(off + 17, (byte) g.db).put(off + 18, (byte) g.s).put(off + 19, (byte) g.l)
                .put(off + 20, (byte) g.g).put(off + 21, (byte) g.avl).put(off + 22, (byte) g.unusable)
                .put(off + 23, (byte) 0);
    }

    static void readSegment(ByteBuffer b, int off, Segment g) {
        g.base = b.getLong(off);
        g.limit = b.getInt(off + 8);
        g.selector = b.getShort(off + 12) & 0xFFFF;
        g.type = b.get(off + 14) & 0xFF;
        g.present = b.get(off + 15) & 0xFF;
        g.dpl = b.get(off + 16) & 0xFF;
        g.db = b.get(off + 17) & 0xFF;
        g.s = b.get(off + 18) & 0xFF;
        g.l = b.get(off + 19) & 0xFF;
        g.g = b.get(off + 20) & 0xFF;
        g.avl = b.get(off + 21) & 0xFF;
        g.unusable = b.get(off + 22) & 0xFF;
    }

    static void writeDTable(ByteBuffer b, int off, DTable t) {
        b.putLong(off, t.base).putShort(off + 8, (short) t.limit);
        b.putShort(off + 10, (short) 0).putShort(off + 12, (short) 0).putShort(off + 14, (short) 0);
    }

    static void readDTable(ByteBuffer b, int off, DTable t) {
        t.base = b.getLong(off);
        t.limit = b.getShort(off + 8) & 0xFFFF;
    }

    /** An FPU state with only the control words set (the rest zero), as after FNINIT + LDMXCSR. */
    public static void writeFpuControl(ByteBuffer b, int fcw, int mxcsr) {
        b.putShort(FPU_FCW, (short) fcw).putInt(FPU_MXCSR, mxcsr);
    }
}
