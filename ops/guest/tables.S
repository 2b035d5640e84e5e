/*
 * Static GDT and identity page tables for 0..4 GiB in 2 MiB pages.
 * Built by the assembler so the guest spends no instructions filling them (it runs under KVM's
 * instruction emulator on some hosts): 24 KiB of initialised data instead of a 2048-step loop.
 */
#include "layout.h"

    .section .data.pagetables, "aw"
    .balign 4096
    .globl pml4
pml4:
    .quad pdpt + 0x003                  /* present | writable */
    .fill 511, 8, 0

    .balign 4096
pdpt:
    .quad pd + 0x0000 + 0x003
    .quad pd + 0x1000 + 0x003
    .quad pd + 0x2000 + 0x003
    .quad pd + 0x3000 + 0x003
    .fill 508, 8, 0

    .balign 4096
pd:
    /* 0..3 GiB: RAM, write-back */
    .set page, 0
    .rept 1536
    .quad (page << 21) | 0x083          /* present | writable | 2 MiB page */
    .set page, page + 1
    .endr
    /* 3..4 GiB: the MMIO gap (boot timer, virtio-mmio, IOAPIC, LAPIC): uncached */
    .rept 512
    .quad (page << 21) | 0x09b          /* ... | write-through | cache-disable */
    .set page, page + 1
    .endr

    .section .data, "aw"
    .balign 16
    .globl gdt
gdt:
    .quad 0                             /* null */
    .quad 0x00af9a000000ffff            /* GDT_CODE64: long mode code, DPL 0 */
    .quad 0x00cf92000000ffff            /* GDT_DATA:   flat data, 4 GiB */
    .quad 0x00cf9a000000ffff            /* GDT_CODE32: flat 32-bit code (not used after boot) */
gdt_end:

    /* limit + 8-byte base: lgdt reads 6 bytes of it in 32-bit mode and 10 in 64-bit mode */
    .balign 16
    .globl gdt_desc
gdt_desc:
    .word gdt_end - gdt - 1
    .quad gdt

    /* Stack: in its own nobits section after .bss, so bss zeroing skips it. */
    .section .stack, "aw", @nobits
    .balign 16
    .skip STACK_SIZE
    .globl stack_top
stack_top:

    .section .note.GNU-stack, "", @progbits
