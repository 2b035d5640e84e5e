package dev.flotilla.kvm.x86.boot;

/** How the vCPU enters the kernel. */
public enum BootProtocol {
    /** PVH if the kernel carries the Xen PHYS32_ENTRY note, else the Linux 64-bit protocol. */
    AUTO,
    /** Long mode with identity paging, RSI = zero page (Documentation/arch/x86/boot.rst "64-bit boot protocol"). */
    LINUX_64,
    /** 32-bit protected mode, paging off, EBX = hvm_start_info (Xen PVH ABI). */
    PVH
}
