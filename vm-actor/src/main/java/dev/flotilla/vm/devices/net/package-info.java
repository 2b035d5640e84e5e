/**
 * virtio-net with Firecracker's host model: each interface is a TAP by name ({@code host_dev_name}),
 * opened — and created if absent — by the VMM; a guest MAC in the configuration space
 * (VIRTIO_NET_F_MAC); queue 0 receive, queue 1 transmit; the 12-byte virtio_net_hdr on every frame.
 *
 * <p>Deliberately no offloads: no checksum, TSO/UFO, MRG_RXBUF, control queue or link status. The
 * TAP is opened without a vnet header, so the host kernel completes checksums and segments before
 * frames reach us and every frame fits a 1518-byte guest buffer at the default MTU. Offloads would
 * need IFF_VNET_HDR, TUNSETOFFLOAD and header translation on both paths; they are not half-done here.
 * MRG_RXBUF would need the used ring to publish several entries at once (the Linux driver reads
 * num_buffers from the first buffer and expects the rest to be there), which SplitQueue does not do.
 *
 * <p>Pieces: {@link dev.flotilla.vm.devices.net.VirtioNet} (the device: features, config, worker
 * events, epoll interest, deadlines), {@code RxPath} / {@code TxPath} (pure queue logic against a
 * {@link dev.flotilla.vm.devices.net.FrameBackend}, unit-tested on heap guest memory),
 * {@link dev.flotilla.vm.devices.net.TapBackend} (the real TAP), {@link dev.flotilla.vm.devices.net.NetMetrics}.
 *
 * <p>Bounds: a frame is at most 65 550 bytes (65 562 with the header); the device holds at most one
 * frame of its own (a receive frame the rate limiter refused); everything else waits in the kernel's
 * TAP queue or the guest's rings. Malformed chains are completed and counted, never thrown. Rate
 * limiters (bytes and ops, per direction) charge frame + header per frame and are patchable live.
 */
package dev.flotilla.vm.devices.net;
