package dev.flotilla.kvm.x86;

/** {@code struct kvm_sregs}: segment and control registers. Mutable, C field names. */
public final class Sregs {
    public final Segment cs = new Segment(), ds = new Segment(), es = new Segment(), fs = new Segment(),
            gs = new Segment(), ss = new Segment(), tr = new Segment(), ldt = new Segment();
    public final DTable gdt = new DTable(), idt = new DTable();
    public long cr0, cr2, cr3, cr4, cr8;
    public long efer;
    public long apic_base;
    /** 256 bits of pending external interrupts (KVM_NR_INTERRUPTS / 64 words). */
    public final long[] interrupt_bitmap = new long[4];
}
