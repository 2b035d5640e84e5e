/*
 * virtio-balloon routines (device 5; queues 0 inflate, 1 deflate, 2 stats when offered), and
 * probe.touch. The balloon's pages are the 4 KiB pages of usable RAM above the probe image, in
 * map order (never the command line's page); the balloon holds the first `inflated` of them.
 *   probe.touch=<MiB>  probe: touched mib=<n> pages=<n>   (before the routines; one write a page)
 *   balloon      probe: balloon: free_pages=<n> first_pfn=<hex>
 *                probe: run balloon ok target_pages=<n> inflated=<n>
 *   balloonwait  probe: balloonwait: waiting target_pages=<n> inflated=<n>
 *                probe: run balloonwait ok target_pages=<n> inflated=<n>
 * The device stays running after a routine (virtio_keep), so the host sees the balloon's size
 * and statistics afterwards, and balloonwait goes on with the same device.
 */
#include "virtio.h"

#define VIRTIO_BALLOON_F_MUST_TELL_HOST (1ull << 0)
#define VIRTIO_BALLOON_F_STATS_VQ       (1ull << 1)
#define BALLOON_CFG_NUM_PAGES 0
#define BALLOON_CFG_ACTUAL    4
#define BATCH 256
#define BATCH_WAIT_US 5000000
#define BALLOONWAIT_DEFAULT_MS 20000

#define STAT_MEMFREE 4
#define STAT_MEMTOT  5
#define STAT_AVAIL   6

struct __attribute__((packed)) balloon_stat { uint16_t tag; uint64_t val; };

static uint32_t pfns[BATCH] DMA_AREA;
static struct balloon_stat stats[3] DMA_AREA;

extern char __image_end[];

static struct balloon {
    int live;
    struct vdev d;
    struct vq inflate, deflate, statsq;
    int has_stats;
    uint32_t inflated;
    uint64_t free_pages;
} bl;

/*
 * Free memory: usable RAM above the image, in 4 KiB pages, in map order, without the page(s) of
 * the command line (which we keep reading). Extents are computed once; the k-th free page is
 * found by walking them.
 */
#define MAX_EXTENTS (BOOT_MAX_RAM_RANGES + 1)
static struct extent { uint64_t start, pages; } extents[MAX_EXTENTS];
static unsigned n_extents;
static uint64_t free_total;
static int extents_known;

static void add_extent(uint64_t start, uint64_t end)
{
    if (end > start && n_extents < MAX_EXTENTS) {
        extents[n_extents].start = start;
        extents[n_extents].pages = (end - start) / 4096;
        free_total += extents[n_extents].pages;
        n_extents++;
    }
}

static void find_free(const struct boot_info *bi)
{
    if (extents_known)
        return;
    extents_known = 1;
    uint64_t lo = ((uintptr_t)__image_end + 4095) & ~4095ull;
    uint64_t cmd_lo = (uintptr_t)bi->cmdline & ~4095ull;
    uint64_t cmd_hi = ((uintptr_t)bi->cmdline + strlen(bi->cmdline) + 1 + 4095) & ~4095ull;
    for (uint32_t i = 0; i < bi->ram_ranges; i++) {
        const struct ram_range *r = &bi->ram[i];
        uint64_t start = (r->addr + 4095) & ~4095ull, end = r->addr + r->size;
        if (end > MAPPED_LIMIT || end < r->addr)
            end = MAPPED_LIMIT;       /* beyond our page tables */
        end &= ~4095ull;
        if (start < lo)
            start = lo;
        if (start >= end)
            continue;
        if (cmd_lo < end && cmd_hi > start) {
            add_extent(start, cmd_lo);
            add_extent(cmd_hi, end);
        } else {
            add_extent(start, end);
        }
    }
}

/* Writes the PFNs of free pages [k, k + n) into out; returns how many exist. */
static unsigned free_pfns(uint64_t k, unsigned n, uint32_t *out)
{
    unsigned got = 0;
    for (unsigned i = 0; i < n_extents && got < n; i++) {
        if (k >= extents[i].pages) {
            k -= extents[i].pages;
            continue;
        }
        uint64_t pfn = (extents[i].start >> 12) + k;
        for (uint64_t left = extents[i].pages - k; left && got < n; left--)
            out[got++] = (uint32_t)pfn++;
        k = 0;
    }
    return got;
}

void touch_memory(const struct boot_info *bi)
{
    uint64_t mib = cmdline_u64(bi->cmdline, "probe.touch", 0), want = mib * 256, done = 0;
    if (!mib)
        return;
    find_free(bi);
    for (uint64_t k = 0; done < want;) {
        unsigned n = free_pfns(k, want - done < BATCH ? (unsigned)(want - done) : BATCH, pfns);
        if (!n)
            break;
        for (unsigned i = 0; i < n; i++)
            wr8((uint64_t)pfns[i] << 12, 0x5a);
        done += n;
        k += n;
    }
    puts_("probe: touched mib=");
    put_u64(mib);
    puts_(" pages=");
    put_u64(done);
    putc_('\n');
}

/* Hands the pages [from, from + n) to the inflate or deflate queue in batches; 0 on success. */
static int move_pages(struct vq *q, uint64_t from, uint64_t n)
{
    while (n) {
        unsigned batch = n < BATCH ? (unsigned)n : BATCH;
        unsigned got = free_pfns(from, batch, pfns);
        if (got != batch)
            return -1;
        struct vseg s = { (uintptr_t)pfns, batch * 4, 0 };
        if (vq_add(q, &s, 1) < 0)
            return -1;
        vq_notify(q);
        if (vq_wait(q, NULL, BATCH_WAIT_US) < 0)
            return -1;
        from += batch;
        n -= batch;
    }
    return 0;
}

static void send_stats(const struct boot_info *bi, struct balloon *b)
{
    uint64_t free_bytes = (b->free_pages - b->inflated) * 4096;
    stats[0].tag = STAT_MEMFREE;
    stats[0].val = free_bytes;
    stats[1].tag = STAT_MEMTOT;
    stats[1].val = bi->ram_bytes;
    stats[2].tag = STAT_AVAIL;
    stats[2].val = free_bytes;
    struct vseg s = { (uintptr_t)stats, sizeof stats, 0 };
    if (vq_add(&b->statsq, &s, 1) >= 0)
        vq_notify(&b->statsq);
}

/* Inflates or deflates to target (as far as there are free pages); 0, or -1 with *why. */
static int resize(const struct boot_info *bi, struct balloon *b, uint32_t target, const char **why)
{
    uint64_t want = target < b->free_pages ? target : b->free_pages;
    if (want > b->inflated) {
        if (move_pages(&b->inflate, b->inflated, want - b->inflated) != 0) {
            *why = "the device did not take an inflate batch within 5 s";
            return -1;
        }
    } else if (want < b->inflated) {
        if (move_pages(&b->deflate, want, b->inflated - want) != 0) {
            *why = "the device did not take a deflate batch within 5 s";
            return -1;
        }
    }
    b->inflated = (uint32_t)want;
    virtio_cfg_write32(&b->d, BALLOON_CFG_ACTUAL, b->inflated);
    /* Stats: the device keeps the buffer until it wants fresh numbers; take it back if it did. */
    if (b->has_stats) {
        if (vq_take(&b->statsq, NULL) >= 0 || b->statsq.num_free == b->statsq.num)
            send_stats(bi, b);
    }
    return 0;
}

static int balloon_open(const struct boot_info *bi, struct balloon *b, const char **why)
{
    if (b->live)
        return 0;
    fill_bytes(b, 0, sizeof *b);
    if (virtio_open(bi->cmdline, VIRTIO_ID_BALLOON, VIRTIO_BALLOON_F_MUST_TELL_HOST | VIRTIO_BALLOON_F_STATS_VQ, &b->d, why) != 0)
        return -1;
    b->has_stats = (b->d.features & VIRTIO_BALLOON_F_STATS_VQ) != 0;
    if (virtio_queue(&b->d, &b->inflate, 0, 4, why) != 0 || virtio_queue(&b->d, &b->deflate, 1, 4, why) != 0 ||
        (b->has_stats && virtio_queue(&b->d, &b->statsq, 2, 2, why) != 0)) {
        virtio_close(&b->d);
        return -1;
    }
    virtio_ready(&b->d);
    virtio_keep(&b->d);
    find_free(bi);
    b->free_pages = free_total;
    b->live = 1;
    if (b->has_stats)
        send_stats(bi, b);            /* the device waits for a first buffer */
    return 0;
}

static void report(struct balloon *b, const char *outcome, uint32_t target)
{
    result(outcome);
    puts_(" target_pages=");
    put_u64(target);
    puts_(" inflated=");
    put_u64(b->inflated);
    putc_('\n');
}

static enum result failed(const char *why)
{
    result("fail ");
    puts_(why);
    putc_('\n');
    return FAIL;
}

enum result run_balloon(const struct boot_info *bi)
{
    struct balloon *b = &bl;
    const char *why;
    if (balloon_open(bi, b, &why) != 0)
        return failed(why);
    uint32_t target = virtio_cfg32(&b->d, BALLOON_CFG_NUM_PAGES);
    uint32_t first;
    detail("free_pages=");
    put_u64(b->free_pages);
    puts_(" first_pfn=");
    put_hex(free_pfns(0, 1, &first) ? first : 0);
    putc_('\n');
    if (resize(bi, b, target, &why) != 0)
        return failed(why);
    report(b, "ok", target);
    return OK;
}

enum result run_balloonwait(const struct boot_info *bi)
{
    struct balloon *b = &bl;
    const char *why;
    if (balloon_open(bi, b, &why) != 0)
        return failed(why);
    uint64_t wait_us = cmdline_u64(bi->cmdline, "probe.balloon.wait_ms", BALLOONWAIT_DEFAULT_MS) * 1000;
    uint32_t target = virtio_cfg32(&b->d, BALLOON_CFG_NUM_PAGES);
    /* Whatever the target is now, the balloon matches it first; then we wait for a new one. */
    if (resize(bi, b, target, &why) != 0)
        return failed(why);
    detail("waiting target_pages=");
    put_u64(target);
    puts_(" inflated=");
    put_u64(b->inflated);
    putc_('\n');
    uint64_t end = clock_us() + wait_us;
    uint32_t now_target = target;
    while (now_target == target && clock_us() < end) {
        virtio_interrupts(&b->d);
        now_target = virtio_cfg32(&b->d, BALLOON_CFG_NUM_PAGES);
    }
    if (now_target == target) {
        report(b, "fail no change of num_pages within the wait:", target);
        return FAIL;
    }
    if (resize(bi, b, now_target, &why) != 0)
        return failed(why);
    report(b, "ok", now_target);
    return OK;
}
