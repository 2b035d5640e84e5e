/*
 * probe.run=a,b,c: named routines that exercise the VM, each printing one parseable line
 *   probe: run <name> ok [detail]   |   probe: run <name> fail <detail>   |   probe: run <name> unknown
 * and a summary line: probe: run done ok=<n> fail=<n> unknown=<n>
 * lapic: the local APIC answers at 0xfee00000.
 * mem: both ends of every RAM range below 4 GiB hold what is written there.
 * Device drivers (virtio blk, net, vsock, rng, balloon) join the table later.
 */
#include "probe.h"

struct probe_test {
    const char *name;
    enum result (*run)(const struct boot_info *bi);   /* prints "ok|fail [detail]\n" */
};

#define LAPIC_ID      0xfee00020ull
#define LAPIC_VERSION 0xfee00030ull

/* The local APIC answers at its default base (an in-kernel irqchip, or the VMM's own model). */
static enum result test_lapic(const struct boot_info *bi)
{
    (void)bi;
    uint32_t version = rd32(LAPIC_VERSION), id = rd32(LAPIC_ID) >> 24;
    int ok = version != 0 && version != 0xffffffffu;
    result(ok ? "ok id=" : "fail no local APIC at 0xfee00000: id=");
    put_u64(id);
    puts_(" version=");
    put_hex(version);
    putc_('\n');
    return ok ? OK : FAIL;
}

/*
 * Every usable RAM range below 4 GiB keeps what is written to its first and last 8 bytes: the
 * VMM's memory slots really back the map it handed over. The original contents are restored.
 */
extern char __image_start[], __image_end[];

static enum result test_mem(const struct boot_info *bi)
{
    const uint64_t image = (uintptr_t)__image_start, image_end = ((uintptr_t)__image_end + 7) & ~7ull;
    unsigned checked = 0, bad = 0, skipped = 0;
    uint64_t first_bad = 0;
    for (uint32_t i = 0; i < bi->ram_ranges; i++) {
        const struct ram_range *r = &bi->ram[i];
        if (r->size < 16 || !mapped(r->addr, r->size)) {
            skipped++;               /* above our 4 GiB identity map */
            continue;
        }
        uint64_t probe_at[2] = { r->addr, r->addr + r->size - 8 };
        for (int k = 0; k < 2; k++) {
            uint64_t a = probe_at[k];
            if (a >= image && a < image_end)
                a = image_end;       /* not our own code and data */
            if (a + 8 > r->addr + r->size)
                continue;
            uint64_t keep = rd64(a), pattern = ~a ^ 0x5a5a5a5a5a5a5a5aull;
            wr64(a, pattern);
            if (rd64(a) != pattern && !bad++)
                first_bad = a;
            wr64(a, keep);
            checked++;
        }
    }
    result(bad || !checked ? "fail" : "ok");
    puts_(" checked=");
    put_u64(checked);
    puts_(" skipped_ranges=");
    put_u64(skipped);
    if (bad) {
        puts_(" bad=");
        put_u64(bad);
        puts_(" first_bad=");
        put_hex(first_bad);
    }
    putc_('\n');
    return bad || !checked ? FAIL : OK;
}

static const struct probe_test tests[] = {
    { "lapic", test_lapic },
    { "mem", test_mem },
    { "rng", run_rng },
    { "blk", run_blk },
    { "blkwrite", run_blkwrite },
    { "blkwait", run_blkwait },
    { "blkbad", run_blkbad },
    { "blkread", run_blkread },
    { "blkrand", run_blkrand },
    { "blkseq", run_blkseq },
    { "blkhog", run_blkhog },
    { "net", run_net },
    { "netserve", run_netserve },
    { "vsock", run_vsock },
    { "balloon", run_balloon },
    { "balloonwait", run_balloonwait },
    { NULL, NULL },
};

static const struct probe_test *lookup(const char *name, size_t len)
{
    for (const struct probe_test *t = tests; t->name; t++)
        if (strlen(t->name) == len && memcmp(t->name, name, len) == 0)
            return t;
    return NULL;
}

static void put_name(const char *name, size_t len)
{
    puts_("probe: run ");
    for (size_t i = 0; i < len; i++)
        putc_(name[i]);
    putc_(' ');
}

/* The running routine: its detail lines come first, then result() opens its result line. */
static const char *current_name;
static size_t current_len;
static int result_started;

void result(const char *s)
{
    if (!result_started) {
        put_name(current_name, current_len);
        result_started = 1;
    }
    puts_(s);
}

void detail(const char *s)
{
    puts_("probe: ");
    for (size_t i = 0; i < current_len; i++)
        putc_(current_name[i]);
    puts_(": ");
    puts_(s);
}

void run_tests(const char *list, size_t len, const struct boot_info *bi)
{
    unsigned ok = 0, fail = 0, unknown = 0;
    const char *end = list + len;
    while (list < end) {
        const char *name = list;
        while (list < end && *list != ',')
            list++;
        size_t n = (size_t)(list - name);
        if (list < end)
            list++;
        if (n == 0)
            continue;
        const struct probe_test *t = lookup(name, n);
        if (!t) {
            put_name(name, n);
            puts_("unknown\n");
            unknown++;
            continue;
        }
        /* The routine prints its detail lines, then its result line through result(). */
        current_name = name;
        current_len = n;
        result_started = 0;
        enum result r = t->run(bi);
        if (!result_started)
            result(r == OK ? "ok\n" : "fail\n");
        if (r == OK) {
            ok++;
        } else {
            fail++;
        }
    }
    puts_("probe: run done ok=");
    put_u64(ok);
    puts_(" fail=");
    put_u64(fail);
    puts_(" unknown=");
    put_u64(unknown);
    putc_('\n');
}
