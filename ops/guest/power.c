/* Leaving the guest: boot-timer signal, idling, reset, and the deliberate unsupported instruction. */
#include "probe.h"

#define BOOT_TIMER       0xc0000000ull
#define BOOT_TIMER_MAGIC 123
#define I8042_DATA       0x60
#define I8042_COMMAND    0x64
#define I8042_STATUS_OBF 0x01
#define I8042_RESET      0xfe
#define KBD_POLL_US      2000

void boot_timer_signal(void)
{
    wr8(BOOT_TIMER, BOOT_TIMER_MAGIC);
}

/*
 * popcnt %rax,%rax (f3 48 0f b8 c0), as raw bytes so the compiler is never asked for it.
 * KVM's x86 instruction emulator has no popcnt, so on a host where the guest runs under that
 * emulator (kvm_pvm here) the VMM gets KVM_EXIT_INTERNAL_ERROR (emulation failure) with these
 * bytes; on hardware virtualization it simply executes and the probe carries on.
 */
void execute_unsupported_instruction(void)
{
    __asm__ volatile(".globl unsupported_instruction\n"
                     "unsupported_instruction:\n\t"
                     ".byte 0xf3, 0x48, 0x0f, 0xb8, 0xc0"
                     : : : "rax", "cc");
}

void hold(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

/*
 * probe.kbd: hold, but answer Ctrl-Alt-Del as Linux does (by resetting). Interrupts stay off, so the
 * keyboard is polled: the status port's output-buffer-full bit, then the data port. The keys come as make
 * codes in set 2 (what Flotilla and Firecracker send, no translation) or set 1 (a translating controller).
 * Each poll is a VM exit, so the wait between polls is measured on the clock (no exit) and kept at 2 ms.
 */
static const uint8_t ctrl_alt_del_set1[4] = { 0x1d, 0x38, 0xe0, 0x53 };
static const uint8_t ctrl_alt_del_set2[4] = { 0x14, 0x11, 0xe0, 0x71 };

static unsigned match_next(const uint8_t *seq, unsigned matched, uint8_t b)
{
    if (b == seq[matched])
        return matched + 1;
    return b == seq[0] ? 1 : 0;
}

void hold_keyboard(void)
{
    unsigned set1 = 0, set2 = 0;
    for (;;) {
        if (inb(I8042_COMMAND) & I8042_STATUS_OBF) {
            uint8_t b = inb(I8042_DATA);
            set1 = match_next(ctrl_alt_del_set1, set1, b);
            set2 = match_next(ctrl_alt_del_set2, set2, b);
            if (set1 == 4 || set2 == 4) {
                line("ctrl-alt-del");
                reset();
            }
            continue;
        }
        uint64_t until = clock_us() + KBD_POLL_US;
        while (clock_us() < until)
            __asm__ volatile("pause");
    }
}

/*
 * The i8042 reset line first (Firecracker and Flotilla end the VM on it). QEMU microvm has no
 * i8042, so if we are still here we triple-fault: with an empty IDT any exception is undeliverable,
 * and a non-canonical memory access raises #GP through ordinary, emulatable instructions (int3,
 * ud2 or int n could instead stop an emulating KVM with an internal error). With -no-reboot QEMU
 * then exits; a VMM sees KVM_EXIT_SHUTDOWN.
 */
void reset(void)
{
    static const struct __attribute__((packed)) { uint16_t limit; uint64_t base; } no_idt = { 0, 0 };
    outb(I8042_COMMAND, I8042_RESET);
    __asm__ volatile("lidt %0" : : "m"(no_idt));
    for (;;)
        __asm__ volatile("movq (%0), %%rax" : : "r"(0x8000000000000000ull) : "rax", "memory");
}
