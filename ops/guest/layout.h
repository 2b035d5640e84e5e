/* Constants shared by the assembly entry points. */
#ifndef LAYOUT_H
#define LAYOUT_H

#define GDT_CODE64  0x08
#define GDT_DATA    0x10
#define GDT_CODE32  0x18

#define STACK_SIZE  0x4000

#define CR0_PE      0x00000001
#define CR0_PG      0x80000000
#define CR4_PAE     0x00000020
#define MSR_EFER    0xc0000080
#define EFER_LME    0x00000100

#define BOOT_LINUX64 1
#define BOOT_PVH     2

/* Xen ELF note type that carries the 32-bit PVH entry point */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

#endif
