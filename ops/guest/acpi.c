/*
 * CPU census from firmware tables, as an OS would do it: the ACPI MADT (RSDP -> XSDT, or RSDT
 * for ACPI 1.0 -> "APIC"), falling back to the Intel MP table. Counts enabled processors only.
 * We deliberately do not use CPUID: on some hosts it reports the host, not the VM's configuration.
 * Every pointer and length comes from the VMM and is bounds-checked before it is followed.
 */
#include "probe.h"

#define SIG_RSDP    0x2052545020445352ull   /* "RSD PTR " little-endian */
#define SIG_MADT    0x43495041u             /* "APIC" */
#define SIG_MPFP    0x5f504d5fu             /* "_MP_" */
#define SIG_PCMP    0x504d4350u             /* "PCMP" */
#define SDT_HEADER  36
#define MAX_TABLES  64
#define MAX_MADT    0x10000

static int checksum_ok(uint64_t p, unsigned len)
{
    uint8_t sum = 0;
    for (unsigned i = 0; i < len; i++)
        sum += rd8(p + i);
    return sum == 0;
}

/*
 * Signature search on 16-byte boundaries. One `repne scas` walks the whole range: an emulating KVM
 * decodes it once and repeats it internally, instead of running a loop of ~9 instructions per
 * paragraph (128 KiB of BIOS area is 8192 paragraphs). Hits off the 16-byte grid are skipped.
 */
static uint64_t scan(uint64_t from, uint64_t to, int rsdp)
{
    uint64_t p = from;
    while (p < to) {
        uint64_t di = p, cx;
        int found;
        if (rsdp) {
            cx = (to - p) / 8;
            __asm__ volatile("repne scasq" : "+D"(di), "+c"(cx), "=@ccz"(found) : "a"(SIG_RSDP) : "memory");
            if (!found)
                return 0;
            di -= 8;
            if ((di & 15) == 0 && checksum_ok(di, 20))
                return di;
            p = di + 8;
        } else {
            cx = (to - p) / 4;
            __asm__ volatile("repne scasl" : "+D"(di), "+c"(cx), "=@ccz"(found) : "a"(SIG_MPFP) : "memory");
            if (!found)
                return 0;
            di -= 4;
            if ((di & 15) == 0 && checksum_ok(di, 16))
                return di;
            p = di + 4;
        }
    }
    return 0;
}

/* Where an OS looks: the first KiB of the EBDA, then the BIOS area. */
static uint64_t find_low(int rsdp)
{
    uint64_t ebda = (uint64_t)rd16(0x40e) << 4;
    uint64_t p = 0;
    if (ebda >= 0x80000 && ebda < 0xa0000)
        p = scan(ebda, ebda + 1024, rsdp);
    if (!p && !rsdp)
        p = scan(0x9fc00, 0xa0000, 0);    /* last KiB of base memory (Firecracker's MP table) */
    if (!p)
        p = scan(rsdp ? 0xe0000 : 0xf0000, 0x100000, rsdp);
    return p;
}

static uint32_t count_madt(uint64_t madt)
{
    uint32_t len = rd32(madt + 4);
    if (len < SDT_HEADER + 8 || len > MAX_MADT || !mapped(madt, len))
        return 0;
    uint32_t n = 0;
    for (uint64_t p = madt + SDT_HEADER + 8, end = madt + len; p + 2 <= end;) {
        uint8_t type = rd8(p), elen = rd8(p + 1);
        if (elen < 2 || p + elen > end)
            break;
        if (type == 0 && elen >= 8 && (rd32(p + 4) & 1))         /* Processor Local APIC */
            n++;
        else if (type == 9 && elen >= 16 && (rd32(p + 8) & 1))   /* Processor Local x2APIC */
            n++;
        p += elen;
    }
    return n;
}

static uint64_t find_madt(uint64_t rsdp)
{
    int xsdt = rd8(rsdp + 15) >= 2 && rd64(rsdp + 24) != 0;
    uint64_t sdt = xsdt ? rd64(rsdp + 24) : rd32(rsdp + 16);
    if (!mapped(sdt, SDT_HEADER))
        return 0;
    uint32_t len = rd32(sdt + 4);
    unsigned width = xsdt ? 8 : 4;
    if (len < SDT_HEADER || !mapped(sdt, len))
        return 0;
    unsigned entries = (len - SDT_HEADER) / width;
    if (entries > MAX_TABLES)
        entries = MAX_TABLES;
    for (unsigned i = 0; i < entries; i++) {
        uint64_t e = sdt + SDT_HEADER + i * width;
        uint64_t t = xsdt ? rd64(e) : rd32(e);
        if (mapped(t, SDT_HEADER) && rd32(t) == SIG_MADT)
            return t;
    }
    return 0;
}

static uint32_t count_mptable(void)
{
    uint64_t fp = find_low(0);
    if (!fp)
        return 0;
    uint64_t ct = rd32(fp + 4);
    if (!mapped(ct, 44) || rd32(ct) != SIG_PCMP)
        return 0;
    /* Walk by the base table length, as Linux does: qboot leaves the entry count at 0. */
    uint32_t len = rd16(ct + 4);
    if (len < 44 || !mapped(ct, len))
        return 0;
    uint64_t end = ct + len;
    uint32_t n = 0;
    for (uint64_t p = ct + 44; p < end;) {
        uint8_t type = rd8(p);
        if (type == 0) {              /* processor: 20 bytes, flags bit 0 = enabled */
            if (p + 20 > end)
                break;
            if (rd8(p + 3) & 1)
                n++;
            p += 20;
        } else if (type <= 4) {       /* bus, I/O APIC, I/O and local interrupt: 8 bytes */
            p += 8;
        } else {
            break;
        }
    }
    return n;
}

void cpu_census(uint64_t rsdp_hint, struct cpu_census *out)
{
    out->cpus = 0;
    out->source = "none";
    out->madt = 0;
    uint64_t rsdp = 0;
    if (rsdp_hint && mapped(rsdp_hint, 36) && rd64(rsdp_hint) == SIG_RSDP)
        rsdp = rsdp_hint;
    else
        rsdp = find_low(1);
    out->rsdp = rsdp;
    if (rsdp) {
        out->madt = find_madt(rsdp);
        if (out->madt) {
            out->cpus = count_madt(out->madt);
            out->source = "madt";
            return;
        }
    }
    out->cpus = count_mptable();
    if (out->cpus)
        out->source = "mptable";
}
