/*
 * Linux 64-bit boot protocol entry (ELF e_entry).
 * Contract: long mode, paging on with an identity map of at least the first GiB, CS a 64-bit code
 * segment, interrupts off, RSI = physical address of struct boot_params (the zero page).
 * Nothing else is trusted: we load our own GDT, page tables (0..4 GiB, so the MMIO gap is
 * reachable) and stack, then join the code shared with the PVH path.
 */
#include "layout.h"

    .section .text.entry, "ax"
    .code64
    .globl entry64
entry64:
    cli
    cld
    movq %rsi, %rdi                     /* zero page: first argument of probe_main */
    movl $BOOT_LINUX64, %esi
    lgdt gdt_desc(%rip)
    movl $pml4, %eax                    /* linked below 4 GiB: a 32-bit absolute fits */
    movq %rax, %cr3
    /* fall through */

/*
 * Common long-mode tail. Entered with our GDT and page tables loaded, rdi = boot info address,
 * esi = boot kind. Reloads every segment register (CS through a far return), sets our stack,
 * zeroes .bss and calls probe_main, which never returns.
 */
    .globl long_mode_common
long_mode_common:
    /* Only the first vCPU to get here runs the probe: a VMM without an in-kernel irqchip starts
     * every vCPU at the entry point, and they would share one stack. The others idle. */
    movl $1, %eax
    xchgl %eax, boot_claimed(%rip)
    testl %eax, %eax
    jnz 2f
    movl $GDT_DATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movl %eax, %fs
    movl %eax, %gs
    movl $stack_top, %esp               /* zero-extends into rsp */
    pushq $GDT_CODE64
    pushq $1f
    lretq
1:
    movq %rdi, %rdx                     /* rep stos uses rdi */
    movl $__bss_start, %edi
    movl $__bss_end, %ecx
    subl %edi, %ecx
    xorl %eax, %eax
    rep stosb
    movq %rdx, %rdi
    call probe_main
2:  cli
    hlt
    jmp 2b

    .section .data, "aw"
    .balign 4
boot_claimed:                           /* initialised data, not .bss: it is set before .bss is zeroed */
    .long 0

    .section .note.GNU-stack, "", @progbits
