/*
 * probe.run=a,b,c: named routines that exercise the VM, each printing one parseable line
 *   probe: run <name> ok [detail]   |   probe: run <name> fail <detail>   |   probe: run <name> unknown
 * and a summary line: probe: run done ok=<n> fail=<n> unknown=<n>
 * Device drivers (virtio blk, net, vsock, rng, balloon) join the table later.
 */
#include "probe.h"

enum result { OK, FAIL };

struct probe_test {
    const char *name;
    enum result (*run)(const struct boot_info *bi);
};

static const struct probe_test tests[] = {
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
        /* The routine finishes the line: "ok [detail]\n" or "fail <detail>\n". */
        put_name(name, n);
        if (t->run(bi) == OK) {
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
