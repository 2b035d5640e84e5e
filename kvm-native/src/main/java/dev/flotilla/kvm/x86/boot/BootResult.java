package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.x86.MsrEntry;
import dev.flotilla.kvm.x86.Regs;
import dev.flotilla.kvm.x86.Sregs;

import java.util.List;
import java.util.Optional;

/**
 * What each vCPU needs after {@link BootConfigurator#configure}: its registers, segment/control
 * registers, MSRs and LAPIC LINT set-up. The same for every vCPU: with the in-kernel irqchip only the
 * BSP runs from here; APs wait for INIT/SIPI, which reset them anyway.
 *
 * <p>Per vCPU, in Firecracker's order: KVM_SET_CPUID2 ({@code CpuidPolicy.forVcpu}), KVM_SET_MSRS
 * ({@link #bootMsrs()}), KVM_SET_REGS ({@link #bootRegs()}), KVM_SET_FPU ({@link #FPU_FCW},
 * {@link #FPU_MXCSR}), KVM_SET_SREGS ({@link #configureSregs}), then KVM_GET_LAPIC →
 * {@link #configureLapicLint} → KVM_SET_LAPIC.
 *
 * @param protocol the protocol actually used (never AUTO)
 * @param entry    where the vCPU starts (RIP)
 * @param rsdp     the ACPI RSDP, as handed to the kernel
 */
public record BootResult(BootProtocol protocol, GuestAddress entry, GuestAddress rsdp,
                         Optional<LoadedInitrd> initrd) {

    /** x87 control word at boot: all exceptions masked, 64-bit precision (the FNINIT value). */
    public static final int FPU_FCW = 0x37f;
    /** SSE control/status at boot: all exceptions masked (the reset value). */
    public static final int FPU_MXCSR = 0x1f80;

    public BootResult {
        if (protocol == BootProtocol.AUTO) throw new IllegalArgumentException("a boot result has a concrete protocol");
    }

    /** A fresh {@code kvm_regs} for the entry: Linux 64-bit (RSI = zero page, stack at 0x8ff0) or PVH (RBX = start info). */
    public Regs bootRegs() {
        Regs r = new Regs();
        r.rflags = 0x2;   // bit 1 is reserved-one; IF clear: interrupts stay off until the kernel is ready
        r.rip = entry.value();
        if (protocol == BootProtocol.PVH) {
            r.rbx = MemoryLayout.PVH_INFO_START.value();
        } else {
            r.rsp = MemoryLayout.BOOT_STACK_POINTER.value();
            r.rbp = MemoryLayout.BOOT_STACK_POINTER.value();
            r.rsi = MemoryLayout.ZERO_PAGE_START.value();
        }
        return r;
    }

    /**
     * Sets the segment and control registers of {@code s} (as read by KVM_GET_SREGS, so fields not named
     * here — APIC base, interrupt bitmap — are kept).
     */
    public void configureSregs(Sregs s) {
        long[] gdt = protocol == BootProtocol.PVH ? Gdt.PROTECTED_32 : Gdt.LONG_MODE;
        s.gdt.base = MemoryLayout.GDT_START.value();
        s.gdt.limit = Gdt.limit(gdt);
        s.idt.base = MemoryLayout.IDT_START.value();
        s.idt.limit = 7;
        Gdt.toSegment(gdt[1], 1, s.cs);
        for (var seg : List.of(s.ds, s.es, s.fs, s.gs, s.ss)) Gdt.toSegment(gdt[2], 2, seg);
        Gdt.toSegment(gdt[3], 3, s.tr);
        if (protocol == BootProtocol.PVH) {
            s.cr0 = ControlBits.CR0_PE;
            s.cr3 = 0;
            s.cr4 = 0;
            s.efer = 0;
        } else {
            s.cr0 |= ControlBits.CR0_PE | ControlBits.CR0_PG;
            s.cr3 = MemoryLayout.PML4_START.value();
            s.cr4 |= ControlBits.CR4_PAE;
            s.efer |= ControlBits.EFER_LME | ControlBits.EFER_LMA;
        }
    }

    public List<MsrEntry> bootMsrs() {
        return BootMsrs.entries();
    }

    /** LINT0 = ExtINT, LINT1 = NMI in a 1024-byte {@code kvm_lapic_state}; returns the modified copy. */
    public byte[] configureLapicLint(byte[] lapicState) {
        return LapicLint.configure(lapicState);
    }
}
