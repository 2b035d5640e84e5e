/*
 * virtio-mmio device discovery from the command line, in Linux's syntax:
 *   virtio_mmio.device=<size>@<base>:<irq>[:<id>]    e.g. 4K@0xc0001000:5
 * (size and base take 0x-hex or decimal with an optional K/M/G suffix), one word per device, as
 * Firecracker, Flotilla and QEMU microvm (auto-kernel-cmdline) write them. Each device is
 * identified by its MagicValue, Version and DeviceID registers. Drivers build on virtio_find.
 */
#include "probe.h"

#define VIRTIO_MAGIC      0x74726976u   /* "virt" */
#define REG_MAGIC         0x000
#define REG_VERSION       0x004
#define REG_DEVICE_ID     0x008

static const char *parse_num(const char *p, const char *end, uint64_t *out, int suffix)
{
    uint64_t v = 0;
    int base = 10, digits = 0;
    if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    for (; p < end; p++, digits++) {
        unsigned d;
        if (*p >= '0' && *p <= '9') d = (unsigned)(*p - '0');
        else if (base == 16 && *p >= 'a' && *p <= 'f') d = (unsigned)(*p - 'a' + 10);
        else if (base == 16 && *p >= 'A' && *p <= 'F') d = (unsigned)(*p - 'A' + 10);
        else break;
        if (v > (~0ull - d) / (unsigned)base)
            return NULL;              /* overflow */
        v = v * (unsigned)base + d;
    }
    if (!digits)
        return NULL;
    if (suffix && p < end) {
        unsigned shift = *p == 'K' || *p == 'k' ? 10 : *p == 'M' || *p == 'm' ? 20 : *p == 'G' || *p == 'g' ? 30 : 0;
        if (shift) {
            if (v > (~0ull >> shift))
                return NULL;
            v <<= shift;
            p++;
        }
    }
    *out = v;
    return p;
}

static int parse_device(const char *p, size_t len, struct virtio_dev *d)
{
    const char *end = p + len;
    uint64_t size, base, irq;
    if (!(p = parse_num(p, end, &size, 1)) || p >= end || *p++ != '@')
        return 0;
    if (!(p = parse_num(p, end, &base, 1)) || p >= end || *p++ != ':')
        return 0;
    if (!(p = parse_num(p, end, &irq, 0)) || (p < end && *p != ':'))
        return 0;
    if (size < 0x100 || !mapped(base, size) || irq > 0xffffffffu)
        return 0;
    d->base = base;
    d->size = size;
    d->irq = (uint32_t)irq;
    return 1;
}

unsigned virtio_find(const char *cmdline, struct virtio_dev *out, unsigned max, unsigned *malformed)
{
    unsigned n = 0;
    size_t len;
    const char *v;
    *malformed = 0;
    for (const char *p = cmdline; n < max && (v = cmdline_value(p, "virtio_mmio.device", &len)); p = v + len) {
        struct virtio_dev *d = &out[n];
        if (!parse_device(v, len, d)) {
            (*malformed)++;
            continue;
        }
        d->magic_ok = rd32(d->base + REG_MAGIC) == VIRTIO_MAGIC;
        d->version = d->magic_ok ? rd32(d->base + REG_VERSION) : 0;
        d->device_id = d->magic_ok ? rd32(d->base + REG_DEVICE_ID) : 0;
        n++;
    }
    return n;
}
