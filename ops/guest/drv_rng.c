/*
 * rng: 64 bytes from the first virtio-rng (device 4, one request queue of device-writable buffers).
 *   probe: run rng ok bytes=64 distinct=<distinct byte values>
 * The device may fill a buffer only partly (a rate limiter, a slow source): we ask again for the
 * rest, within a few seconds in all.
 */
#include "virtio.h"

#define RNG_BYTES 64
#define RNG_WAIT_US 5000000

static uint8_t rng_buf[4096] DMA_AREA;

enum result run_rng(const struct boot_info *bi)
{
    struct vdev d;
    struct vq q;
    const char *why;
    if (virtio_open(bi->cmdline, VIRTIO_ID_RNG, 0, &d, &why) != 0) {
        result("fail ");
        puts_(why);
        putc_('\n');
        return FAIL;
    }
    if (virtio_queue(&d, &q, 0, 4, &why) != 0) {
        virtio_close(&d);
        result("fail requestq: ");
        puts_(why);
        putc_('\n');
        return FAIL;
    }
    virtio_ready(&d);

    unsigned got = 0, requests = 0;
    uint64_t end = clock_us() + RNG_WAIT_US;
    while (got < RNG_BYTES && clock_us() < end) {
        struct vseg s = { (uintptr_t)&rng_buf[got], RNG_BYTES - got, 1 };
        vq_add(&q, &s, 1);
        vq_notify(&q);
        requests++;
        uint32_t len = 0;
        uint64_t now = clock_us();
        if (vq_wait(&q, &len, end > now ? end - now : 0) < 0)
            break;
        got += len <= RNG_BYTES - got ? len : RNG_BYTES - got;
    }
    virtio_close(&d);

    uint8_t seen[256 / 8];
    fill_bytes(seen, 0, sizeof seen);
    unsigned distinct = 0;
    for (unsigned i = 0; i < got; i++) {
        uint8_t b = rng_buf[i];
        if (!(seen[b >> 3] & (1u << (b & 7)))) {
            seen[b >> 3] |= (uint8_t)(1u << (b & 7));
            distinct++;
        }
    }
    result(got == RNG_BYTES ? "ok bytes=" : "fail timed out: bytes=");
    put_u64(got);
    puts_(" distinct=");
    put_u64(distinct);
    if (got != RNG_BYTES) {
        puts_(" requests=");
        put_u64(requests);
    }
    putc_('\n');
    return got == RNG_BYTES ? OK : FAIL;
}
