package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.x86.MsrEntry;

import java.util.List;

/** The MSR values a vCPU starts with (Firecracker's set): syscall MSRs cleared, TSC 0, fast strings, WB MTRRs. */
public final class BootMsrs {

    public static final int IA32_TSC = 0x10;
    public static final int IA32_SYSENTER_CS = 0x174;
    public static final int IA32_SYSENTER_ESP = 0x175;
    public static final int IA32_SYSENTER_EIP = 0x176;
    public static final int IA32_MISC_ENABLE = 0x1a0;
    public static final int MTRR_DEF_TYPE = 0x2ff;
    public static final int STAR = 0xc000_0081;
    public static final int LSTAR = 0xc000_0082;
    public static final int CSTAR = 0xc000_0083;
    public static final int SYSCALL_MASK = 0xc000_0084;
    public static final int KERNEL_GS_BASE = 0xc000_0102;

    public static final long MISC_ENABLE_FAST_STRING = 1;
    /** MTRRs enabled (bit 11), default memory type write-back (6). */
    public static final long MTRR_ENABLE_WB = (1L << 11) | 6;

    private static final List<MsrEntry> ENTRIES = List.of(
            new MsrEntry(IA32_SYSENTER_CS, 0),
            new MsrEntry(IA32_SYSENTER_ESP, 0),
            new MsrEntry(IA32_SYSENTER_EIP, 0),
            new MsrEntry(STAR, 0),
            new MsrEntry(CSTAR, 0),
            new MsrEntry(KERNEL_GS_BASE, 0),
            new MsrEntry(SYSCALL_MASK, 0),
            new MsrEntry(LSTAR, 0),
            new MsrEntry(IA32_TSC, 0),
            new MsrEntry(IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING),
            new MsrEntry(MTRR_DEF_TYPE, MTRR_ENABLE_WB));

    private BootMsrs() {}

    public static List<MsrEntry> entries() {
        return ENTRIES;
    }
}
