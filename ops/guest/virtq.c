/*
 * virtio-mmio v2 transport and split virtqueues for polling drivers (see virtio.h).
 *
 * Costs under KVM's instruction emulator: each register access is a VM exit (~70 µs here), so a
 * device with two queues is set up in ~30 exits (~2 ms); the data path polls the used ring in
 * guest RAM and touches a register only to notify. x86 keeps stores in order and the rings are
 * write-back RAM, so compiler barriers are the only fences needed (the device is another CPU).
 */
#include "virtio.h"

#define RESET_WAIT_US 1000000

/*
 * Ring pages: one per queue; virtio_open hands them out again from the first that no kept
 * device (virtio_keep) still uses.
 */
#define RING_PAGES 10
static uint8_t ring_pages[RING_PAGES][4096] DMA_AREA;
static unsigned ring_pages_used, ring_pages_kept;

static struct virtio_dev found[VIRTIO_MAX_DEVICES];

static uint32_t reg(struct vdev *d, unsigned off) { return rd32(d->base + off); }
static void set_reg(struct vdev *d, unsigned off, uint32_t v) { wr32(d->base + off, v); }

static void set_reg64(struct vdev *d, unsigned off, uint64_t v)
{
    set_reg(d, off, (uint32_t)v);
    set_reg(d, off + 4, (uint32_t)(v >> 32));
}

static const char *device_name(uint32_t id)
{
    switch (id) {
    case VIRTIO_ID_NET: return "no virtio-net device (device_id 1) on the command line";
    case VIRTIO_ID_BLOCK: return "no virtio-blk device (device_id 2) on the command line";
    case VIRTIO_ID_RNG: return "no virtio-rng device (device_id 4) on the command line";
    case VIRTIO_ID_BALLOON: return "no virtio-balloon device (device_id 5) on the command line";
    case VIRTIO_ID_VSOCK: return "no virtio-vsock device (device_id 19) on the command line";
    default: return "no such virtio device on the command line";
    }
}

void virtio_close(struct vdev *d)
{
    set_reg(d, VIRTIO_MMIO_STATUS, 0);
    /* A v2 device may finish its reset later; it has when Status reads 0. */
    uint64_t end = clock_us() + RESET_WAIT_US;
    while (reg(d, VIRTIO_MMIO_STATUS) != 0 && clock_us() < end)
        ;
}

int virtio_open(const char *cmdline, uint32_t device_id, uint64_t wanted, struct vdev *d, const char **why)
{
    unsigned malformed, n = virtio_find(cmdline, found, VIRTIO_MAX_DEVICES, &malformed);
    unsigned i = 0;
    while (i < n && !(found[i].magic_ok && found[i].device_id == device_id))
        i++;
    if (i == n) {
        *why = device_name(device_id);
        return -1;
    }
    if (found[i].version != 2) {
        *why = "device is legacy virtio-mmio (version 1); the probe drives version 2 only";
        return -1;
    }
    d->base = found[i].base;
    d->irq = found[i].irq;
    d->features = 0;
    ring_pages_used = ring_pages_kept;

    virtio_close(d);
    set_reg(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    set_reg(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);

    uint64_t offered = 0;
    for (unsigned sel = 0; sel < 2; sel++) {
        set_reg(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, sel);
        offered |= (uint64_t)reg(d, VIRTIO_MMIO_DEVICE_FEATURES) << (32 * sel);
    }
    if (!(offered & VIRTIO_F_VERSION_1)) {
        set_reg(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_FAILED);
        *why = "device does not offer VIRTIO_F_VERSION_1";
        return -1;
    }
    uint64_t accept = offered & (wanted | VIRTIO_F_VERSION_1);
    for (unsigned sel = 0; sel < 2; sel++) {
        set_reg(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, sel);
        set_reg(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(accept >> (32 * sel)));
    }
    uint32_t status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
    set_reg(d, VIRTIO_MMIO_STATUS, status);
    if (!(reg(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
        set_reg(d, VIRTIO_MMIO_STATUS, status | VIRTIO_STATUS_FAILED);
        *why = "device refused our features (FEATURES_OK did not stick)";
        return -1;
    }
    d->features = accept;
    return 0;
}

int virtio_queue(struct vdev *d, struct vq *q, unsigned index, unsigned max, const char **why)
{
    set_reg(d, VIRTIO_MMIO_QUEUE_SEL, index);
    if (reg(d, VIRTIO_MMIO_QUEUE_READY) != 0) {
        *why = "queue already ready after reset";
        return -1;
    }
    unsigned num_max = reg(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
    if (num_max == 0) {
        *why = "queue not available (QueueNumMax 0)";
        return -1;
    }
    if (ring_pages_used == RING_PAGES) {
        *why = "out of ring pages";
        return -1;
    }
    unsigned num = max < VQ_MAX ? max : VQ_MAX;
    while (num > num_max)
        num >>= 1;
    uint8_t *page = ring_pages[ring_pages_used++];
    fill_bytes(page, 0, 4096);
    /* descriptors 16*64 = 1 KiB at 0; available ring (≤ 134 bytes) at 1 KiB; used ring at 2 KiB */
    q->dev = d;
    q->index = (uint16_t)index;
    q->num = (uint16_t)num;
    q->desc = (volatile struct vring_desc *)page;
    q->avail = (volatile struct vring_avail *)(page + 1024);
    q->used = (volatile struct vring_used *)(page + 2048);
    q->avail_idx = q->last_used = 0;
    for (unsigned i = 0; i + 1 < num; i++)
        q->desc[i].next = (uint16_t)(i + 1);
    q->free_head = 0;
    q->num_free = (uint16_t)num;
    q->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;   /* we poll; interrupts are off anyway */

    set_reg(d, VIRTIO_MMIO_QUEUE_NUM, num);
    set_reg64(d, VIRTIO_MMIO_QUEUE_DESC, (uintptr_t)q->desc);
    set_reg64(d, VIRTIO_MMIO_QUEUE_DRIVER, (uintptr_t)q->avail);
    set_reg64(d, VIRTIO_MMIO_QUEUE_DEVICE, (uintptr_t)q->used);
    set_reg(d, VIRTIO_MMIO_QUEUE_READY, 1);
    if (reg(d, VIRTIO_MMIO_QUEUE_READY) != 1) {
        *why = "device refused the queue (QueueReady read back 0)";
        return -1;
    }
    return 0;
}

void virtio_keep(struct vdev *d)
{
    (void)d;
    ring_pages_kept = ring_pages_used;
}

void virtio_ready(struct vdev *d)
{
    set_reg(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                                   VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

uint32_t virtio_generation(struct vdev *d) { return reg(d, VIRTIO_MMIO_CONFIG_GENERATION); }
uint32_t virtio_status(struct vdev *d) { return reg(d, VIRTIO_MMIO_STATUS); }

uint32_t virtio_interrupts(struct vdev *d)
{
    uint32_t s = reg(d, VIRTIO_MMIO_INTERRUPT_STATUS);
    if (s)
        set_reg(d, VIRTIO_MMIO_INTERRUPT_ACK, s);
    return s;
}

uint8_t virtio_cfg8(struct vdev *d, unsigned off) { return rd8(d->base + VIRTIO_MMIO_CONFIG + off); }
uint16_t virtio_cfg16(struct vdev *d, unsigned off) { return rd16(d->base + VIRTIO_MMIO_CONFIG + off); }
uint32_t virtio_cfg32(struct vdev *d, unsigned off) { return rd32(d->base + VIRTIO_MMIO_CONFIG + off); }

void virtio_cfg_write32(struct vdev *d, unsigned off, uint32_t v) { wr32(d->base + VIRTIO_MMIO_CONFIG + off, v); }

/* Two 32-bit reads the device may change in between: retry until ConfigGeneration is stable. */
uint64_t virtio_cfg64(struct vdev *d, unsigned off)
{
    uint32_t gen, lo, hi;
    unsigned tries = 0;
    do {
        gen = virtio_generation(d);
        lo = virtio_cfg32(d, off);
        hi = virtio_cfg32(d, off + 4);
    } while (virtio_generation(d) != gen && ++tries < 16);
    return ((uint64_t)hi << 32) | lo;
}

int vq_add(struct vq *q, const struct vseg *segs, unsigned n)
{
    if (n == 0 || n > q->num_free)
        return -1;
    uint16_t head = q->free_head, i = head, last = head;
    for (unsigned k = 0; k < n; k++) {
        volatile struct vring_desc *desc = &q->desc[i];
        desc->addr = segs[k].addr;
        desc->len = segs[k].len;
        desc->flags = (uint16_t)((segs[k].device_writes ? VRING_DESC_F_WRITE : 0) | (k + 1 < n ? VRING_DESC_F_NEXT : 0));
        last = i;
        i = desc->next;
    }
    q->free_head = q->desc[last].next;
    q->num_free = (uint16_t)(q->num_free - n);
    q->avail->ring[q->avail_idx % q->num] = head;
    compiler_barrier();              /* the ring entry before the index that publishes it */
    q->avail->idx = ++q->avail_idx;
    return head;
}

void vq_notify(struct vq *q)
{
    compiler_barrier();
    set_reg(q->dev, VIRTIO_MMIO_QUEUE_NOTIFY, q->index);
}

int vq_take(struct vq *q, uint32_t *len)
{
    if (q->used->idx == q->last_used)
        return -1;
    compiler_barrier();              /* the index before the entry it covers */
    volatile struct vring_used_elem *e = &q->used->ring[q->last_used % q->num];
    uint32_t id = e->id;
    if (len)
        *len = e->len;
    q->last_used++;
    if (id >= q->num)
        return -2;                   /* the device named a descriptor we never gave it */
    /* Return the chain to the free list: walk it to its last descriptor. */
    uint16_t last = (uint16_t)id, count = 1;
    while ((q->desc[last].flags & VRING_DESC_F_NEXT) && count < q->num) {
        last = q->desc[last].next;
        count++;
    }
    q->desc[last].next = q->free_head;
    q->free_head = (uint16_t)id;
    q->num_free = (uint16_t)(q->num_free + count);
    return (int)id;
}

int vq_wait(struct vq *q, uint32_t *len, uint64_t timeout_us)
{
    uint64_t end = clock_us() + timeout_us;
    for (;;) {
        int head = vq_take(q, len);
        if (head != -1)
            return head;
        if (clock_us() >= end)
            return -1;
    }
}
