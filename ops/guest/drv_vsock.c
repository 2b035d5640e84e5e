/*
 * virtio-vsock routine (device 19; queues 0 receive, 1 transmit, 2 event), stream sockets only.
 *   probe: vsock: listening cid=<guest cid> port=<p>
 *   probe: run vsock ok guest_cid=<cid> echoed=<bytes> roundtrip=<bytes>
 * In one polling loop the guest
 *  - listens on probe.vsock.port=<p> (default 5000) and echoes every byte of every connection back
 *    until the peer shuts down (then answers with RST), and
 *  - connects to the host (CID 2) port probe.vsock.hostport=<p> (default 6000; 0: do not), sends
 *    probe.vsock.bytes=<n> (default 1 MiB) of a pattern, reads them back and compares, then shuts
 *    the connection down (SHUTDOWN, waiting up to 1 s for the peer's RST).
 * It ends when the round trip is over, at least probe.vsock.accept=<n> (default 0) host
 * connections were accepted and none is open any more, or after probe.vsock.wait_ms (default 60000).
 *
 * Flow control is the virtio spec's credit scheme: every packet we send carries our buf_alloc and
 * fwd_cnt; we send a peer at most buf_alloc - (tx_cnt - fwd_cnt) of its own last report. An echo
 * connection buffers what it received in a 64 KiB ring until the peer has credit for it and sends
 * it from there in place (the space counts as freed, fwd_cnt, once the device used that packet);
 * it advertises exactly that ring, so nothing grows without bound; a peer that sends beyond its
 * credit is reset. Packets: 44-byte header and payload in separate descriptors.
 */
#include "virtio.h"

#define VIRTIO_VSOCK_F_STREAM (1ull << 0)
#define VSOCK_CFG_CID 0
#define HOST_CID 2

#define OP_REQUEST 1
#define OP_RESPONSE 2
#define OP_RST 3
#define OP_SHUTDOWN 4
#define OP_RW 5
#define OP_CREDIT_UPDATE 6
#define OP_CREDIT_REQUEST 7
#define TYPE_STREAM 1
#define SHUTDOWN_RCV 1
#define SHUTDOWN_SEND 2
#define EVENT_TRANSPORT_RESET 0

#define PAYLOAD 4096
#define RX_BUFS 16
#define TX_SLOTS 16
#define EVENT_BUFS 4
#define RING 65536                    /* an echo connection's buffer, and our buf_alloc */
#define CONNS 4
#define PATTERN_PERIOD 251            /* a prime: chunks of 4 KiB never line up with it */
#define CLIENT_PORT 49152
#define CLOSE_WAIT_US 1000000

struct __attribute__((packed)) vsock_hdr {
    uint64_t src_cid, dst_cid;
    uint32_t src_port, dst_port, len;
    uint16_t type, op;
    uint32_t flags, buf_alloc, fwd_cnt;
};

enum conn_state { FREE, CONNECTING, OPEN, CLOSING, RESETTING /* an RST waits for a slot */ };

struct conn {
    enum conn_state state;
    int echo;                         /* accepted (echo) or ours (the round trip) */
    uint32_t local_port, peer_port;
    uint32_t peer_buf_alloc, peer_fwd_cnt;
    uint32_t tx_cnt;                  /* payload bytes sent */
    uint32_t rx_cnt;                  /* payload bytes received */
    uint32_t fwd_cnt, fwd_cnt_told;   /* bytes we freed; the last value the peer heard */
    int peer_shut;                    /* SHUTDOWN flags the peer sent */
    uint64_t close_deadline;
    uint32_t head, fill;              /* echo ring: next byte to send, bytes not yet sent */
    uint32_t in_flight;               /* echo ring bytes sent in place, not yet used by the device */
    uint8_t *ring;
};

static struct {
    struct vsock_hdr hdr[RX_BUFS];
    uint8_t pad[4096 - RX_BUFS * sizeof(struct vsock_hdr)];
    uint8_t data[RX_BUFS][PAYLOAD];
} rx DMA_AREA;

static struct {
    struct vsock_hdr hdr[TX_SLOTS];
    uint8_t pad[4096 - TX_SLOTS * sizeof(struct vsock_hdr)];
    uint8_t data[TX_SLOTS][PAYLOAD];
} tx DMA_AREA;

static uint8_t rings[CONNS - 1][RING] DMA_AREA;
static uint8_t pattern[PATTERN_PERIOD + PAYLOAD] DMA_AREA;
static uint32_t events[EVENT_BUFS] DMA_AREA;

static struct vsock {
    struct vdev d;
    struct vq rxq, txq, evq;
    uint64_t cid;
    uint32_t listen_port;
    uint8_t rx_of[VQ_MAX], tx_of[VQ_MAX], ev_of[VQ_MAX];
    struct conn *slot_conn[TX_SLOTS]; /* an echo connection whose ring a slot's payload points into */
    uint32_t slot_len[TX_SLOTS];
    uint16_t tx_free;                 /* bit per free transmit slot */
    struct conn conns[CONNS];         /* [0]: ours; the rest accepted */
    uint64_t echoed, roundtrip, total;
    unsigned accepted, resets;
    const char *error;                /* why the round trip failed */
} vs;

static void give_rx(struct vsock *v, unsigned buf)
{
    struct vseg s[2] = {
        { (uintptr_t)&rx.hdr[buf], sizeof rx.hdr[buf], 1 },
        { (uintptr_t)rx.data[buf], PAYLOAD, 1 },
    };
    int head = vq_add(&v->rxq, s, 2);
    if (head >= 0)
        v->rx_of[head] = (uint8_t)buf;
}

static void give_event(struct vsock *v, unsigned i)
{
    struct vseg s = { (uintptr_t)&events[i], sizeof events[i], 1 };
    int head = vq_add(&v->evq, &s, 1);
    if (head >= 0)
        v->ev_of[head] = (uint8_t)i;
}

/* Used transmit chains free their slots, and echo ring space sent in place. */
static void reclaim_tx(struct vsock *v)
{
    int head;
    while ((head = vq_take(&v->txq, NULL)) >= 0) {
        unsigned slot = v->tx_of[head];
        struct conn *c = v->slot_conn[slot];
        if (c) {                      /* even once closed: its ring is reused only when idle */
            c->in_flight -= v->slot_len[slot];
            c->fwd_cnt += v->slot_len[slot];
        }
        v->slot_conn[slot] = NULL;
        v->tx_free |= (uint16_t)(1u << slot);
    }
}

/* Credit the peer gives us now. */
static uint32_t peer_credit(const struct conn *c)
{
    uint32_t in_flight = c->tx_cnt - c->peer_fwd_cnt;
    return in_flight > c->peer_buf_alloc ? 0 : c->peer_buf_alloc - in_flight;
}

/*
 * Sends one packet on c (or, with c NULL, an RST answering hdr `to`). Payload from `data`: inside
 * `pattern` or c's echo ring it is used in place, anything else is copied into the slot. -1 when
 * no slot is free.
 */
static int send_pkt(struct vsock *v, struct conn *c, const struct vsock_hdr *to, uint16_t op, uint32_t flags,
                    const uint8_t *data, uint32_t len)
{
    reclaim_tx(v);
    if (!v->tx_free)
        return -1;
    unsigned slot = 0;
    while (!(v->tx_free & (1u << slot)))
        slot++;
    struct vsock_hdr *h = &tx.hdr[slot];
    h->src_cid = v->cid;
    h->type = TYPE_STREAM;
    h->op = op;
    h->flags = flags;
    h->len = len;
    if (c) {
        h->dst_cid = HOST_CID;
        h->src_port = c->local_port;
        h->dst_port = c->peer_port;
        h->buf_alloc = RING;
        h->fwd_cnt = c->fwd_cnt;
        c->fwd_cnt_told = c->fwd_cnt;
        c->tx_cnt += len;
    } else {
        h->dst_cid = to->src_cid;
        h->src_port = to->dst_port;
        h->dst_port = to->src_port;
        h->buf_alloc = 0;
        h->fwd_cnt = 0;
    }
    struct vseg s[2] = { { (uintptr_t)h, sizeof *h, 0 }, { 0, len, 0 } };
    if (len) {
        if (data >= pattern && data + len <= pattern + sizeof pattern) {
            s[1].addr = (uintptr_t)data;
        } else if (c && c->echo && data >= c->ring && data + len <= c->ring + RING) {
            s[1].addr = (uintptr_t)data;
            v->slot_conn[slot] = c;   /* that ring space is freed when the device is done */
            v->slot_len[slot] = len;
        } else {
            copy_bytes(tx.data[slot], data, len);
            s[1].addr = (uintptr_t)tx.data[slot];
        }
    }
    int head = vq_add(&v->txq, s, len ? 2 : 1);
    if (head < 0)
        return -1;
    v->tx_of[head] = (uint8_t)slot;
    v->tx_free &= (uint16_t)~(1u << slot);
    vq_notify(&v->txq);
    return 0;
}

static void drop(struct conn *c)
{
    c->state = FREE;
}

static void reset_conn(struct vsock *v, struct conn *c)
{
    if (send_pkt(v, c, NULL, OP_RST, 0, NULL, 0) == 0)
        drop(c);
    else
        c->state = RESETTING;         /* pump() tries again */
}

static struct conn *find(struct vsock *v, const struct vsock_hdr *h)
{
    for (unsigned i = 0; i < CONNS; i++) {
        struct conn *c = &v->conns[i];
        if (c->state != FREE && c->local_port == h->dst_port && c->peer_port == h->src_port)
            return c;
    }
    return NULL;
}

static void accept_conn(struct vsock *v, const struct vsock_hdr *h)
{
    for (unsigned i = 1; i < CONNS; i++) {
        struct conn *c = &v->conns[i];
        if (c->state != FREE || c->in_flight)
            continue;                 /* busy, or the device still reads its ring */
        fill_bytes(c, 0, sizeof *c);
        c->state = OPEN;
        c->echo = 1;
        c->local_port = h->dst_port;
        c->peer_port = h->src_port;
        c->peer_buf_alloc = h->buf_alloc;
        c->peer_fwd_cnt = h->fwd_cnt;
        c->ring = rings[i - 1];
        if (send_pkt(v, c, NULL, OP_RESPONSE, 0, NULL, 0) == 0) {
            v->accepted++;
            return;
        }
        drop(c);
        break;
    }
    send_pkt(v, NULL, h, OP_RST, 0, NULL, 0);   /* no room: refuse */
}

static void receive_data(struct vsock *v, struct conn *c, const uint8_t *data, uint32_t len)
{
    if (c->echo) {
        if (len > RING - c->fill - c->in_flight) {   /* beyond the credit we gave */
            reset_conn(v, c);
            return;
        }
        uint32_t tail = (c->head + c->fill) % RING, first = len < RING - tail ? len : RING - tail;
        copy_bytes(c->ring + tail, data, first);
        copy_bytes(c->ring, data + first, len - first);
        c->fill += len;
        return;
    }
    /* Our round trip: compare with the pattern at this stream offset, then it is consumed. */
    if (c->rx_cnt + len > v->total || differ_bytes(data, pattern + c->rx_cnt % PATTERN_PERIOD, len)) {
        if (!v->error)
            v->error = c->rx_cnt + len > v->total ? "more bytes came back than were sent" : "the bytes that came back differ";
        reset_conn(v, c);
        return;
    }
    c->rx_cnt += len;
    c->fwd_cnt += len;
    v->roundtrip = c->rx_cnt;
}

static void handle_pkt(struct vsock *v, const struct vsock_hdr *h, const uint8_t *data, uint32_t len)
{
    if (h->dst_cid != v->cid || h->type != TYPE_STREAM) {
        if (h->op != OP_RST && h->type == TYPE_STREAM)
            send_pkt(v, NULL, h, OP_RST, 0, NULL, 0);
        return;
    }
    struct conn *c = find(v, h);
    if (!c) {
        if (h->op == OP_REQUEST && h->dst_port == v->listen_port)
            accept_conn(v, h);
        else if (h->op != OP_RST)
            send_pkt(v, NULL, h, OP_RST, 0, NULL, 0);
        return;
    }
    c->peer_buf_alloc = h->buf_alloc;
    c->peer_fwd_cnt = h->fwd_cnt;
    switch (h->op) {
    case OP_RESPONSE:
        if (c->state == CONNECTING)
            c->state = OPEN;
        break;
    case OP_RST:
        if (!c->echo && c->state == CONNECTING && !v->error)
            v->error = "the host refused the connection (RST)";
        else if (!c->echo && c->rx_cnt < v->total && !v->error)
            v->error = "the host reset the connection";
        drop(c);
        break;
    case OP_SHUTDOWN:
        c->peer_shut |= (int)(h->flags & (SHUTDOWN_RCV | SHUTDOWN_SEND));
        break;
    case OP_RW:
        if (c->state == OPEN)
            receive_data(v, c, data, len);
        break;
    case OP_CREDIT_REQUEST:
        send_pkt(v, c, NULL, OP_CREDIT_UPDATE, 0, NULL, 0);
        break;
    default:                          /* CREDIT_UPDATE: already taken from the header */
        break;
    }
}

static void poll_rx(struct vsock *v)
{
    uint32_t len;
    int head, any = 0;
    while ((head = vq_take(&v->rxq, &len)) >= 0) {
        unsigned buf = v->rx_of[head];
        const struct vsock_hdr *h = &rx.hdr[buf];
        if (len >= sizeof *h && h->len <= PAYLOAD && h->len <= len - sizeof *h)
            handle_pkt(v, h, rx.data[buf], h->len);
        give_rx(v, buf);
        any = 1;
    }
    if (any)
        vq_notify(&v->rxq);
    uint32_t elen;
    while ((head = vq_take(&v->evq, &elen)) >= 0) {
        unsigned ev = v->ev_of[head];
        if (events[ev] == EVENT_TRANSPORT_RESET) {
            /* Every connection is gone; the CID may have changed. */
            v->resets++;
            v->cid = virtio_cfg64(&v->d, VSOCK_CFG_CID);
            for (unsigned i = 0; i < CONNS; i++) {
                if (v->conns[i].state != FREE && i == 0 && !v->error)
                    v->error = "transport reset";
                drop(&v->conns[i]);
            }
        }
        give_event(v, ev);
        vq_notify(&v->evq);
    }
}

/* Sends what credit and slots allow; tells the peer about freed buffer space. */
static void pump(struct vsock *v, uint64_t now)
{
    for (unsigned i = 0; i < CONNS; i++) {
        struct conn *c = &v->conns[i];
        if (c->state == OPEN && c->echo) {
            while (c->fill && !(c->peer_shut & SHUTDOWN_RCV)) {
                uint32_t n = c->fill < PAYLOAD ? c->fill : PAYLOAD, credit = peer_credit(c);
                if (RING - c->head < n)
                    n = RING - c->head;
                if (credit < n)
                    n = credit;
                if (!n)
                    break;
                if (send_pkt(v, c, NULL, OP_RW, 0, c->ring + c->head, n) != 0)
                    break;
                c->head = (c->head + n) % RING;
                c->fill -= n;
                c->in_flight += n;
                v->echoed += n;
            }
            if ((c->peer_shut & SHUTDOWN_SEND) && (!c->fill || (c->peer_shut & SHUTDOWN_RCV)))
                reset_conn(v, c);     /* the peer is done and has everything back */
        } else if (c->state == OPEN) {
            while (c->tx_cnt < v->total) {
                uint32_t n = v->total - c->tx_cnt < PAYLOAD ? v->total - c->tx_cnt : PAYLOAD, credit = peer_credit(c);
                if (credit < n)
                    n = credit;
                const uint8_t *chunk = pattern + c->tx_cnt % PATTERN_PERIOD;
                if (!n || send_pkt(v, c, NULL, OP_RW, 0, chunk, n) != 0)
                    break;
            }
            if (c->rx_cnt == v->total) {
                send_pkt(v, c, NULL, OP_SHUTDOWN, SHUTDOWN_RCV | SHUTDOWN_SEND, NULL, 0);
                c->state = CLOSING;
                c->close_deadline = now + CLOSE_WAIT_US;
            }
        } else if ((c->state == CLOSING && now >= c->close_deadline) || c->state == RESETTING) {
            reset_conn(v, c);
        }
        if (c->state == OPEN && c->fwd_cnt - c->fwd_cnt_told >= RING / 2)
            send_pkt(v, c, NULL, OP_CREDIT_UPDATE, 0, NULL, 0);
    }
}

static enum result failed(const char *why)
{
    result("fail ");
    puts_(why);
    putc_('\n');
    return FAIL;
}

enum result run_vsock(const struct boot_info *bi)
{
    struct vsock *v = &vs;
    const char *why;
    fill_bytes(v, 0, sizeof *v);
    v->listen_port = (uint32_t)cmdline_u64(bi->cmdline, "probe.vsock.port", 5000);
    uint32_t host_port = (uint32_t)cmdline_u64(bi->cmdline, "probe.vsock.hostport", 6000);
    v->total = host_port ? cmdline_u64(bi->cmdline, "probe.vsock.bytes", 1u << 20) : 0;
    if (v->total > 0xffffffffu - PAYLOAD)
        v->total = 0xffffffffu - PAYLOAD;
    unsigned want_accepts = (unsigned)cmdline_u64(bi->cmdline, "probe.vsock.accept", 0);
    uint64_t wait_us = cmdline_u64(bi->cmdline, "probe.vsock.wait_ms", 60000) * 1000;

    if (virtio_open(bi->cmdline, VIRTIO_ID_VSOCK, VIRTIO_VSOCK_F_STREAM, &v->d, &why) != 0)
        return failed(why);
    if (virtio_queue(&v->d, &v->rxq, 0, 2 * RX_BUFS, &why) != 0 || virtio_queue(&v->d, &v->txq, 1, 2 * TX_SLOTS, &why) != 0 ||
        virtio_queue(&v->d, &v->evq, 2, EVENT_BUFS, &why) != 0) {
        virtio_close(&v->d);
        return failed(why);
    }
    v->cid = virtio_cfg64(&v->d, VSOCK_CFG_CID);
    for (unsigned i = 0; i < sizeof pattern; i++)
        pattern[i] = (uint8_t)(i % PATTERN_PERIOD);
    virtio_ready(&v->d);
    for (unsigned i = 0; i < RX_BUFS; i++)
        give_rx(v, i);
    vq_notify(&v->rxq);
    for (unsigned i = 0; i < EVENT_BUFS && i < v->evq.num; i++)
        give_event(v, i);
    vq_notify(&v->evq);
    v->tx_free = (uint16_t)((1u << TX_SLOTS) - 1);
    detail("listening cid=");
    put_u64(v->cid);
    puts_(" port=");
    put_u64(v->listen_port);
    putc_('\n');

    struct conn *mine = &v->conns[0];
    if (host_port) {
        mine->state = CONNECTING;
        mine->local_port = CLIENT_PORT;
        mine->peer_port = host_port;
        if (send_pkt(v, mine, NULL, OP_REQUEST, 0, NULL, 0) != 0) {
            drop(mine);
            v->error = "could not send the connection request";
        }
    }
    uint64_t start = clock_us(), end = start + wait_us;
    for (;;) {
        uint64_t now = clock_us();
        poll_rx(v);
        pump(v, now);
        int open = 0;
        for (unsigned i = 1; i < CONNS; i++)
            open |= v->conns[i].state != FREE;
        if (mine->state == FREE && v->accepted >= want_accepts && !open)
            break;
        if (now >= end) {
            if (!v->error)
                v->error = mine->state != FREE ? "timed out: the round trip did not finish" : "timed out waiting for host connections";
            break;
        }
    }
    /* Reset what is still open, and let the device take every packet before we reset it. */
    uint64_t flush_end = clock_us() + CLOSE_WAIT_US;
    for (int busy = 1; busy && clock_us() < flush_end;) {
        busy = 0;
        for (unsigned i = 0; i < CONNS; i++)
            if (v->conns[i].state != FREE) {
                reset_conn(v, &v->conns[i]);
                busy = 1;
            }
        reclaim_tx(v);
        busy |= v->tx_free != (uint16_t)((1u << TX_SLOTS) - 1);
    }
    uint64_t elapsed_ms = (clock_us() - start) / 1000;
    virtio_close(&v->d);
    detail("elapsed_ms=");
    put_u64(elapsed_ms);
    puts_(" accepted=");
    put_u64(v->accepted);
    puts_(" resets=");
    put_u64(v->resets);
    putc_('\n');

    int ok = !v->error && v->roundtrip == v->total;
    result(ok ? "ok" : "fail ");
    if (!ok)
        puts_(v->error ? v->error : "incomplete");
    puts_(ok ? " guest_cid=" : ": guest_cid=");
    put_u64(v->cid);
    puts_(" echoed=");
    put_u64(v->echoed);
    puts_(" roundtrip=");
    put_u64(v->roundtrip);
    putc_('\n');
    return ok ? OK : FAIL;
}
