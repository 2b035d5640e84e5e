/*
 * The probe's virtio driver core: virtio-mmio version 2 transport and split virtqueues, for
 * drivers that run with interrupts off. A driver opens the first device of its type named on the
 * command line, negotiates VERSION_1 plus what it asks for, sets up its queues in static pages
 * and polls the used rings in guest RAM (never a device register in a loop: each MMIO access is
 * a VM exit). Waits are bounded in microseconds of the clock (clock.c).
 *
 * Rings live in a small static pool that each virtio_open hands out afresh, so only one device is
 * driven at a time, and a routine ends with virtio_close (a device reset), after which the device
 * no longer touches that memory -- or with virtio_keep, which leaves the device running on rings
 * no later virtio_open hands out again (the balloon: the host sees its size after the routine).
 */
#ifndef VIRTIO_H
#define VIRTIO_H

#include "probe.h"

/* virtio-mmio registers (virtio 1.2, 4.2.2) */
#define VIRTIO_MMIO_MAGIC            0x000
#define VIRTIO_MMIO_VERSION          0x004
#define VIRTIO_MMIO_DEVICE_ID        0x008
#define VIRTIO_MMIO_DEVICE_FEATURES  0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES  0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL        0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX    0x034
#define VIRTIO_MMIO_QUEUE_NUM        0x038
#define VIRTIO_MMIO_QUEUE_READY      0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY     0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK    0x064
#define VIRTIO_MMIO_STATUS           0x070
#define VIRTIO_MMIO_QUEUE_DESC       0x080   /* low, high at +4 */
#define VIRTIO_MMIO_QUEUE_DRIVER     0x090
#define VIRTIO_MMIO_QUEUE_DEVICE     0x0a0
#define VIRTIO_MMIO_CONFIG_GENERATION 0x0fc
#define VIRTIO_MMIO_CONFIG           0x100

/* Status bits */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER      2
#define VIRTIO_STATUS_DRIVER_OK   4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED      128

#define VIRTIO_INT_USED   1
#define VIRTIO_INT_CONFIG 2

#define VIRTIO_F_VERSION_1 (1ull << 32)

/* Device IDs */
#define VIRTIO_ID_NET     1
#define VIRTIO_ID_BLOCK   2
#define VIRTIO_ID_RNG     4
#define VIRTIO_ID_BALLOON 5
#define VIRTIO_ID_VSOCK   19

/* Split virtqueue layout (virtio 1.2, 2.7) */
#define VRING_DESC_F_NEXT  1
#define VRING_DESC_F_WRITE 2
#define VRING_AVAIL_F_NO_INTERRUPT 1

struct vring_desc { uint64_t addr; uint32_t len; uint16_t flags, next; };
struct vring_avail { uint16_t flags, idx, ring[]; };
struct vring_used_elem { uint32_t id, len; };
struct vring_used { uint16_t flags, idx; struct vring_used_elem ring[]; };

/* The most descriptors a queue of ours has: one 4 KiB page holds all three rings. */
#define VQ_MAX 64

struct vdev {
    uint64_t base;
    uint32_t irq;
    uint64_t features;        /* negotiated */
};

struct vq {
    struct vdev *dev;
    uint16_t index, num;
    uint16_t free_head, num_free;
    uint16_t avail_idx, last_used;
    volatile struct vring_desc *desc;
    volatile struct vring_avail *avail;
    volatile struct vring_used *used;
};

/* One part of a descriptor chain: guest-physical address (identity-mapped), length, direction. */
struct vseg { uint64_t addr; uint32_t len; int device_writes; };

/*
 * Finds the first device of this type among the virtio_mmio.device= words, resets it and
 * negotiates features: VERSION_1 plus the subset of `wanted` the device offers. 0 on success;
 * otherwise -1 with *why set to a reason fit for a "fail" line.
 */
int virtio_open(const char *cmdline, uint32_t device_id, uint64_t wanted, struct vdev *d, const char **why);
/* Sets up queue `index` with at most `max` descriptors (≤ VQ_MAX). 0, or -1 with *why. */
int virtio_queue(struct vdev *d, struct vq *q, unsigned index, unsigned max, const char **why);
/* Sets DRIVER_OK: the device may now use the queues. */
void virtio_ready(struct vdev *d);
/* Resets the device (Status := 0, read back), after which it no longer uses our rings. */
void virtio_close(struct vdev *d);
/* Leaves the device running: its ring pages are never handed out again. */
void virtio_keep(struct vdev *d);

uint8_t  virtio_cfg8(struct vdev *d, unsigned off);
uint16_t virtio_cfg16(struct vdev *d, unsigned off);
uint32_t virtio_cfg32(struct vdev *d, unsigned off);
uint64_t virtio_cfg64(struct vdev *d, unsigned off);   /* consistent across ConfigGeneration */
void virtio_cfg_write32(struct vdev *d, unsigned off, uint32_t v);
uint32_t virtio_generation(struct vdev *d);
uint32_t virtio_status(struct vdev *d);
/* Reads and acknowledges InterruptStatus. */
uint32_t virtio_interrupts(struct vdev *d);

/*
 * Puts a chain (device-readable parts first) on the available ring without notifying; returns its
 * head descriptor, or -1 when the queue has too few free descriptors.
 */
int vq_add(struct vq *q, const struct vseg *segs, unsigned n);
void vq_notify(struct vq *q);
/* Takes one used chain if there is one: returns its head (and the written length), else -1. */
int vq_take(struct vq *q, uint32_t *len);
/* vq_take, polling guest RAM for at most timeout_us. */
int vq_wait(struct vq *q, uint32_t *len, uint64_t timeout_us);

/* Static, page-aligned memory for buffers; not zeroed at boot (it is not in .bss). */
#define DMA_AREA __attribute__((section(".dma"), aligned(4096)))

#endif
