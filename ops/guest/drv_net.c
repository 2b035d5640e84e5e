/*
 * virtio-net routines (device 1; queue 0 receive, queue 1 transmit): just enough IPv4 to be
 * pinged and to ping, on a link-local address only.
 *   net       probe: net: up mac=<mac> ip=<ip> peer=<peer>
 *             probe: run net ok sent=<n> replies=<n> answered=<n>
 *   netserve  probe: netserve: serving mac=<mac> ip=<ip> ms=<ms>
 *             probe: run netserve ok answered=<n>
 * Parameters: probe.net.ip=169.254.X.Y (default 169.254.77.2), probe.net.peer=169.254.X.Y (default
 * 169.254.77.1), probe.net.pings=<n> (default 3), probe.net.serve_ms=<ms> (default 5000).
 * We answer ARP requests for our address and ICMP echo requests to it (header checksums checked
 * and written), learn the peer's MAC from its ARP traffic, and ping only the peer.
 * Every frame carries the 12-byte virtio_net_hdr of VERSION_1 devices; no offloads are negotiated.
 */
#include "virtio.h"

#define VIRTIO_NET_F_MAC (1ull << 5)
#define NET_CFG_MAC 0
#define NET_HDR 12
#define NET_BUF 2048
#define NET_RX 16
#define NET_TX 16
#define FRAME_MAX 1514
#define ETH_ARP 0x0806
#define ETH_IPV4 0x0800
#define ARP_WAIT_US 1000000
#define ARP_TRIES 3
#define PING_WAIT_US 1000000
#define PING_ID 0x7072                /* "pr" */
#define PING_PAYLOAD 56
#define TX_WAIT_US 1000000

static uint8_t rx_bufs[NET_RX][NET_BUF] DMA_AREA;
static uint8_t tx_bufs[NET_TX][NET_BUF] DMA_AREA;

struct net {
    struct vdev d;
    struct vq rx, tx;
    uint8_t mac[6], ip[4], peer[4], peer_mac[6];
    int peer_known;
    uint8_t rx_buf_of[VQ_MAX];        /* receive descriptor head -> buffer */
    unsigned answered, replies;
    uint32_t replied;                 /* bit per echo sequence number 1..32 we got a reply to */
};

static struct net net;

static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

/* The Internet checksum (RFC 1071) of n bytes: 0 when a received header's checksum is right. */
static uint16_t inet_checksum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (; n > 1; p += 2, n -= 2)
        sum += (uint32_t)(p[0] << 8 | p[1]);
    if (n)
        sum += (uint32_t)p[0] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* "a.b.c.d" with 169.254 in front: link-local only, as the tests promise. */
static int parse_link_local(const char *cmdline, const char *key, const char *dflt, uint8_t ip[4])
{
    size_t len;
    const char *v = cmdline_value(cmdline, key, &len);
    if (!v) {
        v = dflt;
        len = strlen(dflt);
    }
    const char *end = v + len;
    for (int i = 0; i < 4; i++) {
        unsigned n = 0, digits = 0;
        while (v < end && *v >= '0' && *v <= '9' && digits < 4) {
            n = n * 10 + (unsigned)(*v++ - '0');
            digits++;
        }
        if (!digits || n > 255 || (i < 3 ? (v >= end || *v++ != '.') : v != end))
            return -1;
        ip[i] = (uint8_t)n;
    }
    return ip[0] == 169 && ip[1] == 254 ? 0 : -1;
}

static void put_ip(const uint8_t ip[4])
{
    for (int i = 0; i < 4; i++) {
        if (i)
            putc_('.');
        put_u64(ip[i]);
    }
}

static void put_mac(const uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        if (i)
            putc_(':');
        putc_("0123456789abcdef"[mac[i] >> 4]);
        putc_("0123456789abcdef"[mac[i] & 15]);
    }
}

static void post_rx(struct net *n, unsigned buf)
{
    struct vseg s = { (uintptr_t)rx_bufs[buf], NET_BUF, 1 };
    int head = vq_add(&n->rx, &s, 1);
    if (head >= 0)
        n->rx_buf_of[head] = (uint8_t)buf;
}

/* A transmit buffer's frame area (after the virtio header), or NULL when all stay in flight. */
static uint8_t *tx_frame(struct net *n)
{
    uint64_t end = clock_us() + TX_WAIT_US;
    while (n->tx.num_free == 0 && clock_us() < end)
        vq_take(&n->tx, NULL);
    if (n->tx.num_free == 0)
        return NULL;
    /* single-descriptor chains: the next head is the free list's head, and names the buffer */
    uint8_t *buf = tx_bufs[n->tx.free_head];
    fill_bytes(buf, 0, NET_HDR);
    return buf + NET_HDR;
}

static void tx_send(struct net *n, uint8_t *frame, size_t len)
{
    struct vseg s = { (uintptr_t)(frame - NET_HDR), (uint32_t)(NET_HDR + len), 0 };
    vq_add(&n->tx, &s, 1);
    vq_notify(&n->tx);
}

static void eth_header(struct net *n, uint8_t *f, const uint8_t *dst, uint16_t type)
{
    copy_bytes(f, dst, 6);
    copy_bytes(f + 6, n->mac, 6);
    put_be16(f + 12, type);
}

static void send_arp(struct net *n, uint16_t oper, const uint8_t *dst_mac, const uint8_t *target_mac, const uint8_t *target_ip)
{
    uint8_t *f = tx_frame(n);
    if (!f)
        return;
    eth_header(n, f, dst_mac, ETH_ARP);
    uint8_t *a = f + 14;
    put_be16(a, 1);                   /* Ethernet */
    put_be16(a + 2, ETH_IPV4);
    a[4] = 6;
    a[5] = 4;
    put_be16(a + 6, oper);
    copy_bytes(a + 8, n->mac, 6);
    copy_bytes(a + 14, n->ip, 4);
    copy_bytes(a + 18, target_mac, 6);
    copy_bytes(a + 24, target_ip, 4);
    fill_bytes(f + 42, 0, 18);        /* 42 bytes of content, padded to the Ethernet minimum */
    tx_send(n, f, 60);
}

static void handle_arp(struct net *n, const uint8_t *f, size_t len)
{
    const uint8_t *a = f + 14;
    if (len < 42 || be16(a) != 1 || be16(a + 2) != ETH_IPV4 || a[4] != 6 || a[5] != 4)
        return;
    if (!differ_bytes(a + 14, n->peer, 4)) {
        copy_bytes(n->peer_mac, a + 8, 6);
        n->peer_known = 1;
    }
    if (be16(a + 6) == 1 && !differ_bytes(a + 24, n->ip, 4))
        send_arp(n, 2, a + 8, a + 8, a + 14);
}

static void send_echo_request(struct net *n, uint16_t seq)
{
    uint8_t *f = tx_frame(n);
    if (!f)
        return;
    eth_header(n, f, n->peer_mac, ETH_IPV4);
    uint8_t *ip = f + 14, *icmp = ip + 20;
    size_t icmp_len = 8 + PING_PAYLOAD;
    fill_bytes(ip, 0, 20);
    ip[0] = 0x45;
    put_be16(ip + 2, (uint16_t)(20 + icmp_len));
    put_be16(ip + 4, seq);            /* identification */
    ip[6] = 0x40;                     /* don't fragment */
    ip[8] = 64;
    ip[9] = 1;                        /* ICMP */
    copy_bytes(ip + 12, n->ip, 4);
    copy_bytes(ip + 16, n->peer, 4);
    put_be16(ip + 10, inet_checksum(ip, 20));
    icmp[0] = 8;
    icmp[1] = 0;
    put_be16(icmp + 2, 0);
    put_be16(icmp + 4, PING_ID);
    put_be16(icmp + 6, seq);
    for (unsigned i = 0; i < PING_PAYLOAD; i++)
        icmp[8 + i] = (uint8_t)(0x20 + i);
    put_be16(icmp + 2, inet_checksum(icmp, icmp_len));
    tx_send(n, f, 14 + 20 + icmp_len);
}

static void handle_ipv4(struct net *n, const uint8_t *f, size_t len)
{
    const uint8_t *ip = f + 14;
    if (len < 14 + 20 || (ip[0] >> 4) != 4)
        return;
    size_t ihl = (size_t)(ip[0] & 15) * 4, total = be16(ip + 2);
    if (ihl < 20 || total < ihl + 8 || 14 + total > len || inet_checksum(ip, ihl) != 0)
        return;
    if ((be16(ip + 6) & 0x3fff) != 0 || ip[9] != 1 || differ_bytes(ip + 16, n->ip, 4))
        return;                       /* a fragment, not ICMP, or not for us */
    const uint8_t *icmp = ip + ihl;
    size_t icmp_len = total - ihl;
    if (inet_checksum(icmp, icmp_len) != 0)
        return;
    if (icmp[0] == 0 && be16(icmp + 4) == PING_ID && !differ_bytes(ip + 12, n->peer, 4)) {
        uint16_t seq = be16(icmp + 6);
        if (seq >= 1 && seq <= 32 && !(n->replied & (1u << (seq - 1)))) {
            n->replied |= 1u << (seq - 1);
            n->replies++;
        }
        return;
    }
    if (icmp[0] != 8 || icmp[1] != 0)
        return;
    /* Echo reply: the request turned around. */
    uint8_t *r = tx_frame(n);
    if (!r)
        return;
    size_t frame_len = 14 + total;
    copy_bytes(r, f, frame_len);
    eth_header(n, r, f + 6, ETH_IPV4);
    uint8_t *rip = r + 14, *ricmp = rip + ihl;
    copy_bytes(rip + 12, n->ip, 4);
    copy_bytes(rip + 16, ip + 12, 4);
    rip[8] = 64;
    put_be16(rip + 10, 0);
    put_be16(rip + 10, inet_checksum(rip, ihl));
    ricmp[0] = 0;
    put_be16(ricmp + 2, 0);
    put_be16(ricmp + 2, inet_checksum(ricmp, icmp_len));
    tx_send(n, r, frame_len < 60 ? 60 : frame_len);
    n->answered++;
}

/* Handles every received frame there is and gives the buffers back; returns how many. */
static unsigned net_poll(struct net *n)
{
    unsigned count = 0;
    uint32_t len;
    int head;
    while ((head = vq_take(&n->rx, &len)) >= 0) {
        unsigned buf = n->rx_buf_of[head];
        const uint8_t *f = rx_bufs[buf] + NET_HDR;
        size_t flen = len > NET_HDR ? len - NET_HDR : 0;
        if (flen > FRAME_MAX)
            flen = FRAME_MAX;
        if (flen >= 14 && (!differ_bytes(f, n->mac, 6) || !differ_bytes(f, broadcast, 6))) {
            uint16_t type = be16(f + 12);
            if (type == ETH_ARP)
                handle_arp(n, f, flen);
            else if (type == ETH_IPV4)
                handle_ipv4(n, f, flen);
        }
        post_rx(n, buf);
        count++;
    }
    while (vq_take(&n->tx, NULL) >= 0)
        ;
    if (count)
        vq_notify(&n->rx);
    return count;
}

static void serve_until(struct net *n, uint64_t end, int (*done)(struct net *))
{
    while (clock_us() < end && !(done && done(n)))
        net_poll(n);
}

static enum result open_failed(const char *why)
{
    result("fail ");
    puts_(why);
    putc_('\n');
    return FAIL;
}

static int net_open(const struct boot_info *bi, struct net *n, const char **why)
{
    fill_bytes(n, 0, sizeof *n);
    if (parse_link_local(bi->cmdline, "probe.net.ip", "169.254.77.2", n->ip) != 0) {
        *why = "probe.net.ip must be a link-local address 169.254.x.y";
        return -1;
    }
    if (parse_link_local(bi->cmdline, "probe.net.peer", "169.254.77.1", n->peer) != 0) {
        *why = "probe.net.peer must be a link-local address 169.254.x.y";
        return -1;
    }
    if (virtio_open(bi->cmdline, VIRTIO_ID_NET, VIRTIO_NET_F_MAC, &n->d, why) != 0)
        return -1;
    if (virtio_queue(&n->d, &n->rx, 0, NET_RX, why) != 0 || virtio_queue(&n->d, &n->tx, 1, NET_TX, why) != 0) {
        virtio_close(&n->d);
        return -1;
    }
    if (n->d.features & VIRTIO_NET_F_MAC) {
        for (unsigned i = 0; i < 6; i++)
            n->mac[i] = virtio_cfg8(&n->d, NET_CFG_MAC + i);
    } else {
        static const uint8_t own[6] = { 0x02, 'p', 'r', 'o', 'b', 'e' };   /* locally administered */
        copy_bytes(n->mac, own, 6);
    }
    virtio_ready(&n->d);
    for (unsigned i = 0; i < NET_RX && i < n->rx.num; i++)
        post_rx(n, i);
    vq_notify(&n->rx);
    return 0;
}

static int peer_known(struct net *n) { return n->peer_known; }

enum result run_net(const struct boot_info *bi)
{
    struct net *n = &net;
    const char *why;
    if (net_open(bi, n, &why) != 0)
        return open_failed(why);
    unsigned pings = (unsigned)cmdline_u64(bi->cmdline, "probe.net.pings", 3);
    if (pings > 32)
        pings = 32;
    detail("up mac=");
    put_mac(n->mac);
    puts_(" ip=");
    put_ip(n->ip);
    puts_(" peer=");
    put_ip(n->peer);
    putc_('\n');

    static const uint8_t unknown[6];
    for (int t = 0; t < ARP_TRIES && !n->peer_known && pings; t++) {
        send_arp(n, 1, broadcast, unknown, n->peer);
        serve_until(n, clock_us() + ARP_WAIT_US, peer_known);
    }
    unsigned sent = 0;
    for (unsigned seq = 1; seq <= pings && n->peer_known; seq++) {
        unsigned before = n->replies;
        send_echo_request(n, (uint16_t)seq);
        sent++;
        uint64_t end = clock_us() + PING_WAIT_US;
        while (clock_us() < end && n->replies == before)
            net_poll(n);
    }
    virtio_close(&n->d);
    int ok = n->replies > 0 || pings == 0;
    result(ok ? "ok" : n->peer_known ? "fail no echo replies:" : "fail the peer did not answer ARP:");
    puts_(" sent=");
    put_u64(sent);
    puts_(" replies=");
    put_u64(n->replies);
    puts_(" answered=");
    put_u64(n->answered);
    putc_('\n');
    return ok ? OK : FAIL;
}

enum result run_netserve(const struct boot_info *bi)
{
    struct net *n = &net;
    const char *why;
    if (net_open(bi, n, &why) != 0)
        return open_failed(why);
    uint64_t ms = cmdline_u64(bi->cmdline, "probe.net.serve_ms", 5000);
    detail("serving mac=");
    put_mac(n->mac);
    puts_(" ip=");
    put_ip(n->ip);
    puts_(" ms=");
    put_u64(ms);
    putc_('\n');
    serve_until(n, clock_us() + ms * 1000, NULL);
    virtio_close(&n->d);
    result("ok answered=");
    put_u64(n->answered);
    putc_('\n');
    return OK;
}
