/* Shared declarations of the Flotilla probe guest (freestanding, x86_64, long mode). */
#ifndef PROBE_H
#define PROBE_H

#include <stdint.h>
#include <stddef.h>

#define PROBE_VERSION "v1"

enum boot_kind { BOOT_LINUX64 = 1, BOOT_PVH = 2 };

/* Everything the guest learned from its boot information, whichever protocol brought it. */
#define BOOT_MAX_RAM_RANGES 16
struct ram_range { uint64_t addr, size; };

struct boot_info {
    enum boot_kind kind;
    const char *cmdline;          /* NUL-terminated, never NULL ("" when absent) */
    uint64_t rsdp;                /* 0 when the loader did not say */
    uint64_t ram_bytes;           /* sum of usable (type 1) memory-map ranges */
    uint32_t ram_ranges;          /* entries filled in ram[] (the first BOOT_MAX_RAM_RANGES) */
    struct ram_range ram[BOOT_MAX_RAM_RANGES];
    uint32_t map_entries;         /* all memory-map entries seen, any type */
    int valid;                    /* the boot structure was there and well-formed */
};

/* bootinfo.c */
void bootinfo_from_zero_page(struct boot_info *bi, uint64_t zero_page);
void bootinfo_from_pvh(struct boot_info *bi, uint64_t start_info);

/* serial.c: COM1 */
void serial_init(void);
void putc_(char c);
void puts_(const char *s);               /* no newline added */
void put_u64(uint64_t v);                /* decimal */
void put_hex(uint64_t v);                /* 0x-prefixed */
void line(const char *s);                /* "probe: " + s + "\n" */

/* acpi.c: CPU count from the ACPI MADT, else the MP table; 0 when neither is found */
struct cpu_census {
    uint32_t cpus;
    const char *source;           /* "madt", "mptable" or "none" */
    uint64_t rsdp, madt;
};
void cpu_census(uint64_t rsdp_hint, struct cpu_census *out);

/* cmdline.c */
int cmdline_has_word(const char *cmdline, const char *word);
/* Finds "key=value" as a word; returns value start and its length in *len, or NULL. */
const char *cmdline_value(const char *cmdline, const char *key, size_t *len);
/* "key=<decimal>" as a number; dflt when absent or not a number. */
uint64_t cmdline_u64(const char *cmdline, const char *key, uint64_t dflt);

/* virtio.c: virtio_mmio.device=<size>@<base>:<irq> words, identified through their registers */
struct virtio_dev {
    uint64_t base, size;
    uint32_t irq;
    int magic_ok;                 /* MagicValue reads "virt" */
    uint32_t version, device_id;  /* 0 unless magic_ok; device_id 0 = no backend */
};
#define VIRTIO_MAX_DEVICES 32
unsigned virtio_find(const char *cmdline, struct virtio_dev *out, unsigned max, unsigned *malformed);

/*
 * tests.c: the probe.run=a,b,c routines. A routine may print detail lines through detail()
 * ("probe: <name>: " + s), then opens its one result line with result("ok ..." or "fail ...")
 * ("probe: run <name> " + s) and finishes it with puts_/put_u64/... and a newline.
 */
enum result { OK, FAIL };
void run_tests(const char *list, size_t len, const struct boot_info *bi);
void result(const char *s);
void detail(const char *s);

/* Routines of the virtio drivers (drv_*.c) */
enum result run_rng(const struct boot_info *bi);
enum result run_blk(const struct boot_info *bi);
enum result run_blkwrite(const struct boot_info *bi);
enum result run_blkwait(const struct boot_info *bi);
enum result run_blkbad(const struct boot_info *bi);
enum result run_blkread(const struct boot_info *bi);
enum result run_blkrand(const struct boot_info *bi);
enum result run_blkseq(const struct boot_info *bi);
enum result run_blkhog(const struct boot_info *bi);
enum result run_net(const struct boot_info *bi);
enum result run_netserve(const struct boot_info *bi);
enum result run_vsock(const struct boot_info *bi);
enum result run_balloon(const struct boot_info *bi);
enum result run_balloonwait(const struct boot_info *bi);
/* probe.touch=<MiB>: one write per page above the probe image (drv_balloon.c) */
void touch_memory(const struct boot_info *bi);

/* clock.c: microseconds since boot (kvmclock; a counter without it) */
void clock_init(void);
int clock_is_kvmclock(void);
uint64_t clock_us(void);

/* power.c */
void boot_timer_signal(void);
void execute_unsupported_instruction(void);
__attribute__((noreturn)) void hold(void);
__attribute__((noreturn)) void hold_keyboard(void);   /* probe.kbd: hold, reset on Ctrl-Alt-Del */
__attribute__((noreturn)) void reset(void);

/* lib.c */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
/* String instructions: the emulator repeats one decoded instruction instead of running a loop. */
static inline void copy_bytes(void *d, const void *s, size_t n)
{
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}
static inline void fill_bytes(void *d, uint8_t v, size_t n)
{
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}
/* 0 when equal */
static inline int differ_bytes(const void *a, const void *b, size_t n)
{
    if (!n)
        return 0;
    uint8_t ne;
    __asm__ volatile("repe cmpsb; setne %0" : "=q"(ne), "+D"(b), "+S"(a), "+c"(n) : : "memory", "cc");
    return ne;
}
static inline void compiler_barrier(void) { __asm__ volatile("" ::: "memory"); }

/* Memory-mapped access the compiler may not fold or reorder. */
static inline uint8_t  rd8(uint64_t a)  { return *(volatile uint8_t *)(uintptr_t)a; }
static inline uint16_t rd16(uint64_t a) { return *(volatile uint16_t *)(uintptr_t)a; }
static inline uint32_t rd32(uint64_t a) { return *(volatile uint32_t *)(uintptr_t)a; }
static inline uint64_t rd64(uint64_t a) { return *(volatile uint64_t *)(uintptr_t)a; }
static inline void wr8(uint64_t a, uint8_t v)   { *(volatile uint8_t *)(uintptr_t)a = v; }
static inline void wr32(uint64_t a, uint32_t v) { *(volatile uint32_t *)(uintptr_t)a = v; }
static inline void wr64(uint64_t a, uint64_t v) { *(volatile uint64_t *)(uintptr_t)a = v; }

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

/* Our identity map covers 0..4 GiB: anything the guest reads from boot data must lie below. */
#define MAPPED_LIMIT 0x100000000ull
static inline int mapped(uint64_t addr, uint64_t len) { return addr < MAPPED_LIMIT && len <= MAPPED_LIMIT - addr; }

#endif
