/*
 * PVH entry. The ELF note below carries its address; a PVH loader (QEMU -kernel, Firecracker,
 * cloud-hypervisor) enters it in 32-bit protected mode, paging off, interrupts off, with
 * EBX = physical address of struct hvm_start_info. We load our GDT and identity page tables,
 * enable long mode and jump to the long-mode code shared with the Linux 64-bit entry.
 */
#include "layout.h"

    .section .note.Xen, "a", @note
    .balign 4
    .long 4                             /* namesz: "Xen\0" */
    .long 4                             /* descsz */
    .long XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .balign 4
    .long pvh_entry
    .balign 4

    .section .text.entry, "ax"
    .code32
    .globl pvh_entry
pvh_entry:
    cli
    cld
    movl %ebx, %edi                     /* hvm_start_info: first argument of probe_main */
    lgdt gdt_desc
    movl $GDT_DATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl $pml4, %eax
    movl %eax, %cr3
    movl $MSR_EFER, %ecx
    rdmsr
    orl $EFER_LME, %eax
    wrmsr
    movl %cr0, %eax
    orl $(CR0_PG | CR0_PE), %eax
    movl %eax, %cr0
    ljmp $GDT_CODE64, $pvh_long

    .code64
pvh_long:
    movl %edi, %edi                     /* clear the upper half left undefined by 32-bit code */
    movl $BOOT_PVH, %esi
    jmp long_mode_common

    .section .note.GNU-stack, "", @progbits
