/*
 * virtio-blk routines (device 2, one request queue). A request is a chain: 16-byte header
 * (type, reserved, sector) the device reads, the data, and one status byte the device writes
 * (0 OK, 1 IOERR, 2 UNSUPP). We pre-fill the status with 0xff, so 255 means "never written".
 *   blk       probe: run blk ok capacity=<sectors> ro=<0|1> id=<serial> crc32=<8 hex digits>
 *   blkwrite  probe: run blkwrite ok status=<n> flush=<n>
 *   blkwait   probe: blkwait: waiting generation=<g> capacity=<sectors>
 *             probe: run blkwait ok capacity=<sectors>
 *   blkbad    probe: run blkbad ok bad_status=<n> good=<0|1> needs_reset=<0|1>[ after_reset=<0|1>]
 *   blkread   probe: run blkread ok bytes=<n> us=<elapsed> errors=<n>
 */
#include "virtio.h"

#define VIRTIO_BLK_F_RO    (1ull << 5)
#define VIRTIO_BLK_F_FLUSH (1ull << 9)

#define VIRTIO_BLK_T_IN     0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_ID_BYTES 20

#define BLK_CFG_CAPACITY 0
#define BLK_DATA 4096
#define BLK_WAIT_US 5000000
#define BLKWAIT_DEFAULT_MS 20000
#define BAD_ANSWER_WAIT_US 1000000
/* Guest-physical 64 TiB: beyond the RAM of any guest we run in. */
#define OUTSIDE_RAM (1ull << 46)

struct blk_req {
    uint32_t type, reserved;
    uint64_t sector;
};

/* A request's header and status byte; blkbad keeps two requests apart. */
struct blk_slot {
    struct blk_req req;
    uint8_t status;
    uint8_t pad[7];
};

static struct blk_io {
    uint8_t data[BLK_DATA];
    struct blk_slot slot[2];
} io DMA_AREA;

struct blk {
    struct vdev d;
    struct vq q;
    int ro;
};

static enum result fail(const char *why)
{
    result("fail ");
    puts_(why);
    putc_('\n');
    return FAIL;
}

static int blk_open(const struct boot_info *bi, struct blk *b, const char **why)
{
    if (virtio_open(bi->cmdline, VIRTIO_ID_BLOCK, VIRTIO_BLK_F_RO | VIRTIO_BLK_F_FLUSH, &b->d, why) != 0)
        return -1;
    if (virtio_queue(&b->d, &b->q, 0, 8, why) != 0) {
        virtio_close(&b->d);
        return -1;
    }
    b->ro = (b->d.features & VIRTIO_BLK_F_RO) != 0;
    virtio_ready(&b->d);
    return 0;
}

/*
 * Opens the block device for indirect-table requests (blkseq, blkhog): `extra` features besides
 * INDIRECT_DESC, one queue of `qsize` entries. Fails, with the device closed, if it lacks INDIRECT_DESC.
 */
static int blk_open_indirect(const struct boot_info *bi, struct blk *b, uint64_t extra, unsigned qsize,
                             const char **why)
{
    if (virtio_open(bi->cmdline, VIRTIO_ID_BLOCK, VIRTIO_F_INDIRECT_DESC | extra, &b->d, why) != 0)
        return -1;
    if (!(b->d.features & VIRTIO_F_INDIRECT_DESC)) {
        virtio_close(&b->d);
        *why = "the device does not offer VIRTIO_F_INDIRECT_DESC";
        return -1;
    }
    if (virtio_queue(&b->d, &b->q, 0, qsize, why) != 0) {
        virtio_close(&b->d);
        return -1;
    }
    virtio_ready(&b->d);
    return 0;
}

/*
 * One request in slot `slot`; data may be anywhere (blkbad points it outside RAM). Returns the
 * status byte, 255 if the device used the chain without writing it, or -1 when it did not answer
 * in time. Used chains of earlier, abandoned requests are skipped.
 */
static int blk_request(struct blk *b, unsigned slot, uint32_t type, uint64_t sector, uint64_t data,
                       uint32_t len, int device_writes, uint64_t timeout_us)
{
    struct blk_slot *s = &io.slot[slot];
    s->req.type = type;
    s->req.reserved = 0;
    s->req.sector = sector;
    s->status = 0xff;
    struct vseg segs[3] = {
        { (uintptr_t)&s->req, sizeof s->req, 0 },
        { data, len, device_writes },
        { (uintptr_t)&s->status, 1, 1 },
    };
    unsigned n = 3;
    if (len == 0) {                   /* FLUSH carries no data */
        segs[1] = segs[2];
        n = 2;
    }
    int head = vq_add(&b->q, segs, n);
    if (head < 0)
        return -1;
    vq_notify(&b->q);
    uint64_t end = clock_us() + timeout_us;
    for (;;) {
        uint64_t now = clock_us();
        int used = vq_wait(&b->q, NULL, end > now ? end - now : 0);
        if (used == head)
            return s->status;
        if (used == -1)
            return -1;
    }
}

/* CRC-32 (IEEE 802.3, as java.util.zip.CRC32), four bits per step: a 64-byte table, no set-up. */
static uint32_t crc32(const uint8_t *p, size_t n)
{
    static const uint32_t nibble[16] = {
        0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
        0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c, 0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
    };
    uint32_t c = ~0u;
    while (n--) {
        c ^= *p++;
        c = (c >> 4) ^ nibble[c & 15];
        c = (c >> 4) ^ nibble[c & 15];
    }
    return ~c;
}

static void put_hex32(uint32_t v)
{
    for (int shift = 28; shift >= 0; shift -= 4)
        putc_("0123456789abcdef"[(v >> shift) & 15]);
}

static void put_status(const char *key, int status)
{
    puts_(key);
    if (status < 0)
        puts_("timeout");
    else
        put_u64((uint64_t)status);
}

enum result run_blk(const struct boot_info *bi)
{
    struct blk b;
    const char *why;
    if (blk_open(bi, &b, &why) != 0)
        return fail(why);
    uint64_t capacity = virtio_cfg64(&b.d, BLK_CFG_CAPACITY);

    uint8_t *id = io.data;
    fill_bytes(id, 0, VIRTIO_BLK_ID_BYTES);
    int id_status = blk_request(&b, 0, VIRTIO_BLK_T_GET_ID, 0, (uintptr_t)id, VIRTIO_BLK_ID_BYTES, 1, BLK_WAIT_US);
    char serial[VIRTIO_BLK_ID_BYTES + 1];
    unsigned n = 0;
    if (id_status == 0) {
        /* Up to 20 bytes, NUL-terminated when shorter; anything unprintable becomes '_'. */
        while (n < VIRTIO_BLK_ID_BYTES && id[n]) {
            serial[n] = id[n] > ' ' && id[n] < 0x7f ? (char)id[n] : '_';
            n++;
        }
    }
    serial[n] = 0;

    int read_status = blk_request(&b, 0, VIRTIO_BLK_T_IN, 0, (uintptr_t)io.data, BLK_DATA, 1, BLK_WAIT_US);
    virtio_close(&b.d);
    if (read_status != 0) {
        result("fail read of sector 0: ");
        put_status("status=", read_status);
        puts_(" capacity=");
        put_u64(capacity);
        putc_('\n');
        return FAIL;
    }
    result("ok capacity=");
    put_u64(capacity);
    puts_(" ro=");
    put_u64((uint64_t)b.ro);
    puts_(" id=");
    puts_(serial);
    puts_(" crc32=");
    put_hex32(crc32(io.data, BLK_DATA));
    putc_('\n');
    return OK;
}

enum result run_blkwrite(const struct boot_info *bi)
{
    static const char text[] = "flotilla-probe-write-";
    const size_t tl = sizeof text - 1;
    struct blk b;
    const char *why;
    uint64_t sector = cmdline_u64(bi->cmdline, "probe.blk.wsector", 8);
    if (blk_open(bi, &b, &why) != 0)
        return fail(why);
    /* Fill by doubling: each rep movsb copies what is already there. */
    copy_bytes(io.data, text, tl);
    for (size_t have = tl; have < BLK_DATA; have *= 2)
        copy_bytes(io.data + have, io.data, have < BLK_DATA - have ? have : BLK_DATA - have);
    int status = blk_request(&b, 0, VIRTIO_BLK_T_OUT, sector, (uintptr_t)io.data, BLK_DATA, 0, BLK_WAIT_US);
    /* FLUSH also when the device did not offer VIRTIO_BLK_F_FLUSH: it then answers UNSUPP (2). */
    int flush = blk_request(&b, 0, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 1, BLK_WAIT_US);
    virtio_close(&b.d);
    int ok = status >= 0 && flush >= 0;
    result(ok ? "ok" : "fail timed out:");
    put_status(" status=", status);
    put_status(" flush=", flush);
    putc_('\n');
    return ok ? OK : FAIL;
}

enum result run_blkwait(const struct boot_info *bi)
{
    struct blk b;
    const char *why;
    if (blk_open(bi, &b, &why) != 0)
        return fail(why);
    uint64_t wait_us = cmdline_u64(bi->cmdline, "probe.blk.wait_ms", BLKWAIT_DEFAULT_MS) * 1000;
    uint32_t gen = virtio_generation(&b.d);
    virtio_interrupts(&b.d);
    detail("waiting generation=");
    put_u64(gen);
    puts_(" capacity=");
    put_u64(virtio_cfg64(&b.d, BLK_CFG_CAPACITY));
    putc_('\n');
    /* Registers only: a config change has no used-ring trace. ~70 µs per read here. */
    uint64_t end = clock_us() + wait_us;
    int changed = 0;
    uint32_t interrupts = 0;
    while (!changed && clock_us() < end) {
        interrupts |= virtio_interrupts(&b.d);
        changed = (interrupts & VIRTIO_INT_CONFIG) || virtio_generation(&b.d) != gen;
    }
    uint64_t capacity = virtio_cfg64(&b.d, BLK_CFG_CAPACITY);
    uint32_t now_gen = virtio_generation(&b.d);
    virtio_close(&b.d);
    result(changed ? "ok capacity=" : "fail no configuration change within the wait: capacity=");
    put_u64(capacity);
    if (!changed || now_gen == gen) {
        puts_(" generation=");
        put_u64(now_gen);
    }
    putc_('\n');
    return changed ? OK : FAIL;
}

enum result run_blkbad(const struct boot_info *bi)
{
    struct blk b;
    const char *why;
    if (blk_open(bi, &b, &why) != 0)
        return fail(why);
    /* A read whose data descriptor points outside guest RAM. */
    int bad = blk_request(&b, 1, VIRTIO_BLK_T_IN, 0, OUTSIDE_RAM, BLK_DATA, 1, BAD_ANSWER_WAIT_US);
    int good = blk_request(&b, 0, VIRTIO_BLK_T_IN, 0, (uintptr_t)io.data, BLK_DATA, 1, BLK_WAIT_US) == 0;
    int needs_reset = (virtio_status(&b.d) & VIRTIO_STATUS_NEEDS_RESET) != 0;
    virtio_close(&b.d);
    int after_reset = 0;
    if (needs_reset && blk_open(bi, &b, &why) == 0) {
        after_reset = blk_request(&b, 0, VIRTIO_BLK_T_IN, 0, (uintptr_t)io.data, BLK_DATA, 1, BLK_WAIT_US) == 0;
        virtio_close(&b.d);
    }
    int ok = good || (needs_reset && after_reset);
    result(ok ? "ok" : "fail the device stopped serving:");
    puts_(" bad_status=");
    put_u64(bad < 0 ? 255 : (uint64_t)bad);
    puts_(" good=");
    put_u64((uint64_t)good);
    puts_(" needs_reset=");
    put_u64((uint64_t)needs_reset);
    if (needs_reset) {
        puts_(" after_reset=");
        put_u64((uint64_t)after_reset);
    }
    putc_('\n');
    return ok ? OK : FAIL;
}

/* Reads probe.blk.read_mib MiB (default 4) in 4 KiB requests, sequentially and wrapping at the end
 * of the disk: a steady load for measuring the device's throughput (and its rate limiter). */
enum result run_blkread(const struct boot_info *bi)
{
    struct blk b;
    const char *why;
    if (blk_open(bi, &b, &why) != 0)
        return fail(why);
    uint64_t total = cmdline_u64(bi->cmdline, "probe.blk.read_mib", 4) << 20;
    uint64_t sectors = virtio_cfg64(&b.d, BLK_CFG_CAPACITY) & ~7ull, sector = 0, done = 0, errors = 0;
    uint64_t start = clock_us();
    while (sectors && done < total) {
        int status = blk_request(&b, 0, VIRTIO_BLK_T_IN, sector, (uintptr_t)io.data, BLK_DATA, 1, BLK_WAIT_US);
        if (status < 0)
            break;                        /* no answer within 5 s: stop, report what was read */
        errors += status != 0;
        done += BLK_DATA;
        sector = (sector + BLK_DATA / 512) % sectors;
    }
    uint64_t us = clock_us() - start;
    virtio_close(&b.d);
    int ok = sectors && done >= total && !errors;
    result(ok ? "ok" : "fail");
    puts_(" bytes=");
    put_u64(done);
    puts_(" us=");
    put_u64(us);
    puts_(" errors=");
    put_u64(errors);
    putc_('\n');
    return ok ? OK : FAIL;
}

/*
 * Benchmark routines (flotilla bench devices). One request in flight at a time; the loop stops at
 * its count or after probe.blk.ms=<ms> (when given), whichever comes first. Each prints a start
 * and a done detail line around exactly the requests it counts: the host reads its CPU clocks at
 * those two lines, so the CPU it divides by the request count is the CPU those requests cost.
 *   blkrand  probe: blkrand: start blocks=<4 KiB blocks>
 *            probe: blkrand: done reads=<n>
 *            probe: run blkrand ok reads=<n> us=<µs> errors=<n>
 *   blkseq   probe: blkseq: start req_kib=<n> segs=<data descriptors per request>
 *            probe: blkseq: done reads=<n>
 *            probe: run blkseq ok reads=<n> bytes=<n> us=<µs> errors=<n> req_kib=<n> segs=<n>
 */

#define BLK_CFG_SEG_MAX 12
#define VIRTIO_BLK_F_SEG_MAX (1ull << 2)
#define SEQ_MAX_KIB 1024
#define SEQ_MAX_SEGS (SEQ_MAX_KIB / 4)

static struct blk_seq_io {
    uint8_t data[SEQ_MAX_KIB * 1024];
    struct vring_desc table[SEQ_MAX_SEGS + 2];
} seq DMA_AREA;

static void bench_result(int ok, uint64_t reads, uint64_t us, uint64_t errors)
{
    result(ok ? "ok" : "fail");
    puts_(" reads=");
    put_u64(reads);
    puts_(" us=");
    put_u64(us);
    puts_(" errors=");
    put_u64(errors);
}

static void bench_done(uint64_t reads)
{
    detail("done reads=");
    put_u64(reads);
    putc_('\n');
}

/* Reads probe.blk.rand_count=<n> (default 1000) 4 KiB blocks at random block offsets over the whole
 * disk (xorshift64, seed probe.blk.seed), one at a time. */
enum result run_blkrand(const struct boot_info *bi)
{
    struct blk b;
    const char *why;
    if (blk_open(bi, &b, &why) != 0)
        return fail(why);
    uint64_t count = cmdline_u64(bi->cmdline, "probe.blk.rand_count", 1000);
    uint64_t limit_us = cmdline_u64(bi->cmdline, "probe.blk.ms", 0) * 1000;
    uint64_t x = cmdline_u64(bi->cmdline, "probe.blk.seed", 0x9e3779b97f4a7c15ull) | 1;
    uint64_t blocks = virtio_cfg64(&b.d, BLK_CFG_CAPACITY) / 8, reads = 0, errors = 0;
    detail("start blocks=");
    put_u64(blocks);
    putc_('\n');
    uint64_t start = clock_us(), us = 0;
    while (blocks && reads < count && (!limit_us || us < limit_us)) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int status = blk_request(&b, 0, VIRTIO_BLK_T_IN, (x % blocks) * 8, (uintptr_t)io.data, BLK_DATA, 1, BLK_WAIT_US);
        if (status < 0)
            break;                        /* no answer within 5 s */
        errors += status != 0;
        reads++;
        us = clock_us() - start;
    }
    bench_done(reads);
    virtio_close(&b.d);
    int ok = blocks && reads && !errors && (reads == count || limit_us);
    bench_result(ok, reads, us, errors);
    putc_('\n');
    return ok ? OK : FAIL;
}

/*
 * Reads sequentially (wrapping at the end of the disk) in requests of probe.blk.req_kib=<n> KiB
 * (default 1024, at most 1024), each one chain in an indirect table: header, the data as
 * descriptors of probe.blk.seg_kib=<n> KiB (default 4; the request is cut into more, smaller ones
 * when it would exceed the device's seg_max), status. probe.blk.seq_count=<n> requests (default 100).
 */
enum result run_blkseq(const struct boot_info *bi)
{
    struct blk b;
    const char *why;
    if (blk_open_indirect(bi, &b, VIRTIO_BLK_F_SEG_MAX, 8, &why) != 0)
        return fail(why);
    uint64_t req_kib = cmdline_u64(bi->cmdline, "probe.blk.req_kib", SEQ_MAX_KIB);
    uint64_t seg_kib = cmdline_u64(bi->cmdline, "probe.blk.seg_kib", 4);
    uint64_t count = cmdline_u64(bi->cmdline, "probe.blk.seq_count", 100);
    uint64_t limit_us = cmdline_u64(bi->cmdline, "probe.blk.ms", 0) * 1000;
    if (req_kib == 0 || req_kib > SEQ_MAX_KIB || req_kib % 4 || seg_kib == 0 || seg_kib % 4 || seg_kib > req_kib) {
        virtio_close(&b.d);
        return fail("probe.blk.req_kib must be 4 to 1024 and probe.blk.seg_kib 4 to req_kib, multiples of 4");
    }
    uint64_t seg_max = b.d.features & VIRTIO_BLK_F_SEG_MAX ? virtio_cfg32(&b.d, BLK_CFG_SEG_MAX) : SEQ_MAX_SEGS;
    uint64_t segs = (req_kib + seg_kib - 1) / seg_kib;
    if (segs > seg_max && seg_max) {
        /* the device takes at most seg_max data descriptors: cut the request into fewer requests */
        while (req_kib > 4 && (req_kib + seg_kib - 1) / seg_kib > seg_max)
            req_kib -= 4;
        segs = (req_kib + seg_kib - 1) / seg_kib;
    }
    uint64_t req_bytes = req_kib * 1024, sector_step = req_bytes / 512;
    uint64_t sectors = virtio_cfg64(&b.d, BLK_CFG_CAPACITY);
    sectors -= sectors % sector_step;      /* whole requests only */

    /* The table never changes between requests but for the header's sector: header, data, status. */
    struct blk_slot *s = &io.slot[0];
    s->req.type = VIRTIO_BLK_T_IN;
    s->req.reserved = 0;
    seq.table[0].addr = (uintptr_t)&s->req;
    seq.table[0].len = sizeof s->req;
    seq.table[0].flags = VRING_DESC_F_NEXT;
    seq.table[0].next = 1;
    for (uint64_t k = 0; k < segs; k++) {
        uint64_t off = k * seg_kib * 1024;
        uint64_t len = req_bytes - off < seg_kib * 1024 ? req_bytes - off : seg_kib * 1024;
        seq.table[1 + k].addr = (uintptr_t)seq.data + off;
        seq.table[1 + k].len = (uint32_t)len;
        seq.table[1 + k].flags = VRING_DESC_F_WRITE | VRING_DESC_F_NEXT;
        seq.table[1 + k].next = (uint16_t)(2 + k);
    }
    seq.table[1 + segs].addr = (uintptr_t)&s->status;
    seq.table[1 + segs].len = 1;
    seq.table[1 + segs].flags = VRING_DESC_F_WRITE;
    seq.table[1 + segs].next = 0;

    detail("start req_kib=");
    put_u64(req_kib);
    puts_(" segs=");
    put_u64(segs);
    putc_('\n');
    uint64_t sector = 0, reads = 0, errors = 0, start = clock_us(), us = 0;
    while (sectors && reads < count && (!limit_us || us < limit_us)) {
        s->req.sector = sector;
        s->status = 0xff;
        int head = vq_add_indirect(&b.q, seq.table, (unsigned)(segs + 2));
        if (head < 0)
            break;
        vq_notify(&b.q);
        if (vq_wait(&b.q, NULL, BLK_WAIT_US) != head)
            break;                        /* no answer within 5 s (or a stray chain): stop */
        errors += s->status != 0;
        reads++;
        sector = (sector + sector_step) % sectors;
        us = clock_us() - start;
    }
    bench_done(reads);
    virtio_close(&b.d);
    int ok = sectors && reads && !errors && (reads == count || limit_us);
    bench_result(ok, reads, us, errors);
    puts_(" bytes=");
    put_u64(reads * req_bytes);
    puts_(" req_kib=");
    put_u64(req_kib);
    puts_(" segs=");
    put_u64(segs);
    putc_('\n');
    return ok ? OK : FAIL;
}

/*
 * blkhog: what a hostile guest does to hold the block device's worker. One indirect table: header,
 * HOG_SEGS data descriptors that all name the same probe.blk.hog_mib MiB (default 64) of guest RAM at
 * probe.blk.hog_addr (default 16 MiB; aliased, so one request reads just under 2 GiB into it), status.
 * Every queue entry is a request through that table, and each completion is re-submitted at once,
 * for probe.blk.ms (default 600000). Needs RAM above hog_addr + hog_mib and a disk of at least 2 GiB
 * (a sparse file does). The host's cue: probe: blkhog: busy requests=<n> bytes=<per request>.
 */
#define HOG_SEGS 31

enum result run_blkhog(const struct boot_info *bi)
{
    struct blk b;
    const char *why;
    if (blk_open_indirect(bi, &b, 0, 64, &why) != 0)
        return fail(why);
    uint64_t addr = cmdline_u64(bi->cmdline, "probe.blk.hog_addr", 16ull << 20);
    uint64_t seg = cmdline_u64(bi->cmdline, "probe.blk.hog_mib", 64) << 20;
    uint64_t limit_us = cmdline_u64(bi->cmdline, "probe.blk.ms", 600000) * 1000;
    if (seg == 0 || seg * HOG_SEGS > 0x7fffffffull - 64) {
        virtio_close(&b.d);
        return fail("probe.blk.hog_mib must be 1 to 66");
    }
    struct blk_slot *s = &io.slot[0];
    s->req.type = VIRTIO_BLK_T_IN;
    s->req.reserved = 0;
    s->req.sector = 0;
    seq.table[0].addr = (uintptr_t)&s->req;
    seq.table[0].len = sizeof s->req;
    seq.table[0].flags = VRING_DESC_F_NEXT;
    seq.table[0].next = 1;
    for (unsigned k = 0; k < HOG_SEGS; k++) {
        seq.table[1 + k].addr = addr;
        seq.table[1 + k].len = (uint32_t)seg;
        seq.table[1 + k].flags = VRING_DESC_F_WRITE | VRING_DESC_F_NEXT;
        seq.table[1 + k].next = (uint16_t)(2 + k);
    }
    seq.table[1 + HOG_SEGS].addr = (uintptr_t)&s->status;
    seq.table[1 + HOG_SEGS].len = 1;
    seq.table[1 + HOG_SEGS].flags = VRING_DESC_F_WRITE;
    seq.table[1 + HOG_SEGS].next = 0;

    uint64_t requests = 0, completed = 0;
    while (vq_add_indirect(&b.q, seq.table, HOG_SEGS + 2) >= 0)
        requests++;
    vq_notify(&b.q);
    detail("busy requests=");
    put_u64(requests);
    puts_(" bytes=");
    put_u64(seg * HOG_SEGS);
    putc_('\n');
    uint64_t start = clock_us();
    while (clock_us() - start < limit_us) {
        if (vq_take(&b.q, NULL) < 0)
            continue;
        completed++;
        vq_add_indirect(&b.q, seq.table, HOG_SEGS + 2);
        vq_notify(&b.q);
    }
    virtio_close(&b.d);
    result("ok completed=");
    put_u64(completed);
    putc_('\n');
    return OK;
}
