/*
 * COM1 output. Every port access is a VM exit (and, under an instruction-emulating KVM, an
 * emulated instruction), so we spend as few as we can: the FIFO is enabled once and the line
 * status register is polled only before each burst of 16 bytes (an empty 16550A FIFO takes 16).
 * VMM serial models that are always ready (Firecracker's, Flotilla's) answer the poll at once.
 */
#include "probe.h"

#define COM1      0x3f8
#define COM1_FCR  (COM1 + 2)
#define COM1_LSR  (COM1 + 5)
#define LSR_THRE  0x20
#define FIFO_SIZE 16
#define POLL_LIMIT 100000   /* a device that never drains must not hang the probe */

static unsigned room;       /* bytes we may still write without polling */

void serial_init(void)
{
    outb(COM1_FCR, 0x07);   /* enable FIFOs, clear both */
    room = 0;
}

void putc_(char c)
{
    if (room == 0) {
        for (unsigned i = 0; i < POLL_LIMIT && !(inb(COM1_LSR) & LSR_THRE); i++)
            ;
        room = FIFO_SIZE;
    }
    outb(COM1, (uint8_t)c);
    room--;
}

void puts_(const char *s)
{
    while (*s)
        putc_(*s++);
}

void put_u64(uint64_t v)
{
    char buf[21];
    int i = sizeof buf - 1;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    puts_(&buf[i]);
}

void put_hex(uint64_t v)
{
    char buf[19];
    int i = sizeof buf - 1;
    buf[i] = 0;
    do {
        buf[--i] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    buf[--i] = 'x';
    buf[--i] = '0';
    puts_(&buf[i]);
}

void line(const char *s)
{
    puts_("probe: ");
    puts_(s);
    putc_('\n');
}
