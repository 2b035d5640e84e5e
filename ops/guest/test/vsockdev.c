/*
 * vsockdev — a small virtio-vsock device model (virtio-mmio v2, split queues) for minivmm, so the
 * probe's vsock driver can be tested on a host without vhost-vsock. Test tooling only; it is an
 * independent reading of the virtio spec (5.10), with the host (CID 2) side as a test peer:
 *  - listens on host_port: accepts, echoes every byte back within the guest's credit (buffering
 *    at most what it advertised), answers SHUTDOWN with RST;
 *  - once the guest posted receive buffers, connects to the guest's guest_port, sends `bytes`
 *    bytes of its own pattern within the guest's credit, checks the echo, then SHUTDOWN and waits
 *    for the guest's RST.
 * One device thread polls the available rings every 20 µs once DRIVER_OK is set.
 * vsockdev_report() prints "vsockdev: listener echoed=<n> connections=<n>" and
 * "vsockdev: client sent=<n> checked=<n> ok|fail <why>" to stderr.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct __attribute__((packed)) vhdr {
    uint64_t src_cid, dst_cid;
    uint32_t src_port, dst_port, len;
    uint16_t type, op;
    uint32_t flags, buf_alloc, fwd_cnt;
};

enum { REQUEST = 1, RESPONSE, RST, SHUTDOWN, RW, CREDIT_UPDATE, CREDIT_REQUEST };

#define VD_RING 65536
#define VD_OUT 256
#define VD_PKT 4096

struct vq_state { uint32_t num, ready; uint64_t desc, avail, used; uint16_t last_avail, used_idx; };

struct vd_conn {
    int open, echo;
    uint32_t local_port, peer_port;
    uint32_t peer_buf_alloc, peer_fwd_cnt, tx_cnt, fwd_cnt;
    uint8_t ring[VD_RING];
    uint32_t head, fill;
    uint64_t sent, checked;           /* client */
};

static struct {
    uint8_t *mem;
    uint64_t mem_size, cid;
    uint32_t guest_port, host_port, bytes;
    uint32_t status, dev_sel, drv_sel, queue_sel;
    uint64_t driver_features;
    struct vq_state q[3];
    pthread_t thread;
    pthread_mutex_t lock;             /* registers vs. the device thread */
    int started;
    /* host -> guest packets waiting for a receive buffer */
    struct { struct vhdr h; uint8_t data[VD_PKT]; } out[VD_OUT];
    unsigned out_head, out_count;
    struct vd_conn listen, client;
    int client_state;                 /* 0 not yet, 1 requested, 2 open, 3 shut down, 4 done */
    const char *client_error;
    uint64_t echoed;
    unsigned connections;
} vd;

static void *vd_gpa(uint64_t a, uint64_t len)
{
    if (a > vd.mem_size || len > vd.mem_size - a) {
        fprintf(stderr, "vsockdev: guest address 0x%llx+%llu outside RAM\n", (unsigned long long)a, (unsigned long long)len);
        _exit(6);
    }
    return vd.mem + a;
}

static uint8_t client_byte(uint64_t i) { return (uint8_t)(i * 13 + (i >> 12) + 5); }

static int queue_out(const struct vd_conn *c, uint16_t op, uint32_t flags, const uint8_t *data, uint32_t len)
{
    if (vd.out_count == VD_OUT)
        return -1;
    unsigned i = (vd.out_head + vd.out_count++) % VD_OUT;
    struct vhdr *h = &vd.out[i].h;
    memset(h, 0, sizeof *h);
    h->src_cid = 2;
    h->dst_cid = vd.cid;
    h->src_port = c->local_port;
    h->dst_port = c->peer_port;
    h->len = len;
    h->type = 1;
    h->op = op;
    h->flags = flags;
    h->buf_alloc = VD_RING;
    h->fwd_cnt = c->fwd_cnt;
    if (len)
        memcpy(vd.out[i].data, data, len);
    return 0;
}

static uint32_t credit(const struct vd_conn *c)
{
    uint32_t in_flight = c->tx_cnt - c->peer_fwd_cnt;
    return in_flight > c->peer_buf_alloc ? 0 : c->peer_buf_alloc - in_flight;
}

static void used(struct vq_state *q, uint16_t head, uint32_t len)
{
    uint8_t *u = vd_gpa(q->used, 4 + 8 * q->num);
    uint32_t *e = (uint32_t *)(u + 4 + 8 * (q->used_idx % q->num));
    e[0] = head;
    e[1] = len;
    __atomic_store_n((uint16_t *)(u + 2), ++q->used_idx, __ATOMIC_RELEASE);
}

static int next_avail(struct vq_state *q, uint16_t *head)
{
    uint8_t *a = vd_gpa(q->avail, 4 + 2 * q->num);
    uint16_t idx = __atomic_load_n((uint16_t *)(a + 2), __ATOMIC_ACQUIRE);
    if (idx == q->last_avail)
        return 0;
    *head = *(uint16_t *)(a + 4 + 2 * (q->last_avail++ % q->num));
    return 1;
}

struct desc { uint64_t addr; uint32_t len; uint16_t flags, next; };

static struct desc *desc_at(struct vq_state *q, uint16_t i)
{
    if (i >= q->num) {
        fprintf(stderr, "vsockdev: descriptor index %u out of range\n", i);
        _exit(6);
    }
    return (struct desc *)vd_gpa(q->desc + 16ull * i, 16);
}

/* Gathers a driver->device chain into buf; returns its length. */
static uint32_t gather(struct vq_state *q, uint16_t head, uint8_t *buf, uint32_t max)
{
    uint32_t n = 0;
    for (unsigned hops = 0; hops < q->num; hops++) {
        struct desc *d = desc_at(q, head);
        if (d->flags & 2) {
            fprintf(stderr, "vsockdev: device-writable descriptor on the transmit queue\n");
            _exit(6);
        }
        uint32_t take = d->len < max - n ? d->len : max - n;
        memcpy(buf + n, vd_gpa(d->addr, take), take);
        n += take;
        if (!(d->flags & 1))
            break;
        head = d->next;
    }
    return n;
}

/* Scatters into a device-writable chain; returns bytes written, or -1 when it is too small. */
static int scatter(struct vq_state *q, uint16_t head, const uint8_t *buf, uint32_t len)
{
    uint32_t n = 0;
    for (unsigned hops = 0; hops < q->num && n < len; hops++) {
        struct desc *d = desc_at(q, head);
        if (!(d->flags & 2)) {
            fprintf(stderr, "vsockdev: device-readable descriptor on the receive queue\n");
            _exit(6);
        }
        uint32_t put = d->len < len - n ? d->len : len - n;
        memcpy(vd_gpa(d->addr, put), buf + n, put);
        n += put;
        if (!(d->flags & 1))
            break;
        head = d->next;
    }
    return n == len ? (int)n : -1;
}

static void from_guest(const struct vhdr *h, const uint8_t *data)
{
    if (h->dst_cid != 2 || h->src_cid != vd.cid || h->type != 1) {
        fprintf(stderr, "vsockdev: bad packet cids %llu->%llu type %u\n", (unsigned long long)h->src_cid,
                (unsigned long long)h->dst_cid, h->type);
        return;
    }
    struct vd_conn *c = NULL;
    if (vd.listen.open && h->dst_port == vd.listen.local_port && h->src_port == vd.listen.peer_port)
        c = &vd.listen;
    else if (vd.client_state && h->dst_port == vd.client.local_port && h->src_port == vd.client.peer_port)
        c = &vd.client;
    if (!c) {
        if (h->op == REQUEST && h->dst_port == vd.host_port && !vd.listen.open) {
            c = &vd.listen;
            memset(c, 0, sizeof *c);
            c->open = c->echo = 1;
            c->local_port = h->dst_port;
            c->peer_port = h->src_port;
            c->peer_buf_alloc = h->buf_alloc;
            c->peer_fwd_cnt = h->fwd_cnt;
            vd.connections++;
            queue_out(c, RESPONSE, 0, NULL, 0);
        } else if (h->op != RST) {
            struct vd_conn tmp = { .local_port = h->dst_port, .peer_port = h->src_port };
            queue_out(&tmp, RST, 0, NULL, 0);
        }
        return;
    }
    c->peer_buf_alloc = h->buf_alloc;
    c->peer_fwd_cnt = h->fwd_cnt;
    switch (h->op) {
    case RESPONSE:
        if (c == &vd.client && vd.client_state == 1)
            vd.client_state = 2;
        break;
    case RW:
        if (c == &vd.listen) {
            if (h->len > VD_RING - c->fill) {
                fprintf(stderr, "vsockdev: guest sent %u bytes beyond its credit\n", h->len);
                _exit(6);
            }
            for (uint32_t i = 0; i < h->len; i++)
                c->ring[(c->head + c->fill + i) % VD_RING] = data[i];
            c->fill += h->len;
        } else {
            for (uint32_t i = 0; i < h->len; i++, c->checked++)
                if (c->checked >= c->sent || data[i] != client_byte(c->checked)) {
                    vd.client_error = "echo differs";
                    vd.client_state = 4;
                    return;
                }
            c->fwd_cnt += h->len;
            if (c->checked == vd.bytes && vd.client_state == 2) {
                queue_out(c, SHUTDOWN, 3, NULL, 0);
                vd.client_state = 3;
            }
        }
        break;
    case SHUTDOWN:
        if (c == &vd.listen) {
            queue_out(c, RST, 0, NULL, 0);
            c->open = 0;
        }
        break;
    case RST:
        if (c == &vd.listen)
            c->open = 0;
        else {
            if (vd.client_state != 3)
                vd.client_error = vd.client_state == 1 ? "guest refused the connection" : "guest reset the connection early";
            vd.client_state = 4;
        }
        break;
    case CREDIT_REQUEST:
        queue_out(c, CREDIT_UPDATE, 0, NULL, 0);
        break;
    default:
        break;
    }
}

static void produce(void)
{
    struct vd_conn *c = &vd.listen;
    while (c->open && c->fill && vd.out_count < VD_OUT) {
        uint32_t n = c->fill < VD_PKT ? c->fill : VD_PKT, cr = credit(c);
        if (VD_RING - c->head < n)
            n = VD_RING - c->head;
        if (cr < n)
            n = cr;
        if (!n)
            break;
        c->fwd_cnt += n;
        queue_out(c, RW, 0, c->ring + c->head, n);
        c->tx_cnt += n;
        c->head = (c->head + n) % VD_RING;
        c->fill -= n;
        vd.echoed += n;
    }
    c = &vd.client;
    while (vd.client_state == 2 && c->sent < vd.bytes && vd.out_count < VD_OUT) {
        uint8_t buf[VD_PKT];
        uint32_t n = vd.bytes - c->sent < VD_PKT ? (uint32_t)(vd.bytes - c->sent) : VD_PKT, cr = credit(c);
        if (cr < n)
            n = cr;
        if (!n)
            break;
        for (uint32_t i = 0; i < n; i++)
            buf[i] = client_byte(c->sent + i);
        queue_out(c, RW, 0, buf, n);
        c->tx_cnt += n;
        c->sent += n;
    }
}

static void *vd_loop(void *arg)
{
    (void)arg;
    uint8_t pkt[sizeof(struct vhdr) + 65536];
    for (;;) {
        pthread_mutex_lock(&vd.lock);
        if (!(vd.status & 4) || (vd.status & 0x40)) {
            pthread_mutex_unlock(&vd.lock);
            usleep(100);
            continue;
        }
        uint16_t head;
        struct vq_state *rxq = &vd.q[0], *txq = &vd.q[1];
        while (next_avail(txq, &head)) {
            uint32_t n = gather(txq, head, pkt, sizeof pkt);
            const struct vhdr *h = (const struct vhdr *)pkt;
            if (n < sizeof *h || h->len != n - sizeof *h)
                fprintf(stderr, "vsockdev: transmit chain of %u bytes, header says %u\n", n, n >= sizeof *h ? h->len : 0);
            else
                from_guest(h, pkt + sizeof *h);
            used(txq, head, 0);
        }
        if (vd.client_state == 0 && vd.bytes && rxq->ready) {
            uint8_t *a = vd_gpa(rxq->avail, 4);
            if (__atomic_load_n((uint16_t *)(a + 2), __ATOMIC_ACQUIRE) != 0) {
                memset(&vd.client, 0, sizeof vd.client);
                vd.client.local_port = 1u << 30;
                vd.client.peer_port = vd.guest_port;
                queue_out(&vd.client, REQUEST, 0, NULL, 0);
                vd.client_state = 1;
            }
        }
        produce();
        while (vd.out_count && next_avail(rxq, &head)) {
            struct vhdr *h = &vd.out[vd.out_head].h;
            uint32_t total = sizeof *h + h->len;
            memcpy(pkt, h, sizeof *h);
            memcpy(pkt + sizeof *h, vd.out[vd.out_head].data, h->len);
            int n = scatter(rxq, head, pkt, total);
            if (n < 0) {
                fprintf(stderr, "vsockdev: receive buffer too small for %u bytes\n", total);
                _exit(6);
            }
            used(rxq, head, (uint32_t)n);
            vd.out_head = (vd.out_head + 1) % VD_OUT;
            vd.out_count--;
        }
        pthread_mutex_unlock(&vd.lock);
        usleep(20);
    }
    return NULL;
}

void vsockdev_init(uint8_t *mem, uint64_t mem_size, uint64_t cid, uint32_t guest_port, uint32_t host_port, uint32_t bytes)
{
    vd.mem = mem;
    vd.mem_size = mem_size;
    vd.cid = cid;
    vd.guest_port = guest_port;
    vd.host_port = host_port;
    vd.bytes = bytes;
    pthread_mutex_init(&vd.lock, NULL);
    pthread_create(&vd.thread, NULL, vd_loop, NULL);
}

/* A register access at offset off of the device's page. */
void vsockdev_mmio(uint64_t off, int is_write, uint8_t *data, unsigned len)
{
    uint32_t v = 0;
    pthread_mutex_lock(&vd.lock);
    if (is_write) {
        memcpy(&v, data, len < 4 ? len : 4);
        struct vq_state *q = &vd.q[vd.queue_sel < 3 ? vd.queue_sel : 0];
        switch (off) {
        case 0x014: vd.dev_sel = v; break;
        case 0x020: if (vd.drv_sel < 2) vd.driver_features |= (uint64_t)v << (32 * vd.drv_sel); break;
        case 0x024: vd.drv_sel = v; break;
        case 0x030: vd.queue_sel = v; break;
        case 0x038: q->num = v; break;
        case 0x044: q->ready = v; break;
        case 0x080: q->desc = (q->desc & ~0xffffffffull) | v; break;
        case 0x084: q->desc = (q->desc & 0xffffffffull) | (uint64_t)v << 32; break;
        case 0x090: q->avail = (q->avail & ~0xffffffffull) | v; break;
        case 0x094: q->avail = (q->avail & 0xffffffffull) | (uint64_t)v << 32; break;
        case 0x0a0: q->used = (q->used & ~0xffffffffull) | v; break;
        case 0x0a4: q->used = (q->used & 0xffffffffull) | (uint64_t)v << 32; break;
        case 0x070:
            if (v == 0) {                  /* reset: queues forgotten (connections stay as they are) */
                memset(vd.q, 0, sizeof vd.q);
                vd.driver_features = 0;
            }
            vd.status = v;
            break;
        default: break;
        }
        pthread_mutex_unlock(&vd.lock);
        return;
    }
    switch (off) {
    case 0x000: v = 0x74726976; break;
    case 0x004: v = 2; break;
    case 0x008: v = 19; break;
    case 0x00c: v = 0x4c4f4c46; break;
    case 0x010: v = vd.dev_sel < 2 ? 1 : 0; break;   /* STREAM (bit 0), VERSION_1 (bit 32) */
    case 0x034: v = 128; break;
    case 0x044: v = vd.q[vd.queue_sel < 3 ? vd.queue_sel : 0].ready; break;
    case 0x070: v = vd.status; break;
    case 0x0fc: v = 0; break;
    case 0x100: v = (uint32_t)vd.cid; break;
    case 0x104: v = (uint32_t)(vd.cid >> 32); break;
    default: break;
    }
    pthread_mutex_unlock(&vd.lock);
    memcpy(data, &v, len < 4 ? len : 4);
}

void vsockdev_report(void)
{
    fprintf(stderr, "vsockdev: listener echoed=%llu connections=%u\n", (unsigned long long)vd.echoed, vd.connections);
    if (vd.bytes)
        fprintf(stderr, "vsockdev: client sent=%llu checked=%llu %s%s\n", (unsigned long long)vd.client.sent,
                (unsigned long long)vd.client.checked,
                vd.client_state == 4 && !vd.client_error ? "ok" : "fail ",
                vd.client_state == 4 ? (vd.client_error ? vd.client_error : "") : "did not finish");
}
