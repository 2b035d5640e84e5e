/**
 * Host network backends for virtio-net: a {@link dev.flotilla.kvm.net.Tap} is a Linux TAP interface
 * opened (and created if absent, as Firecracker does) through /dev/net/tun with TUNSETIFF.
 * <p>The TAP is opened with IFF_TAP | IFF_NO_PI and without IFF_VNET_HDR: the device offers no
 * checksum or segmentation offloads, so every frame crossing the fd is a plain, complete Ethernet
 * frame and the host kernel computes checksums and segments before handing frames over. The fd is
 * non-blocking: the device worker waits for it in epoll, and a read with nothing queued returns
 * "no frame" instead of blocking. The kernel's TAP queue is the only buffer between host and guest.
 * <p>An open TAP stays usable after its host end moves to another network namespace
 * ({@code ip link set <tap> netns <ns>}); that is how tests keep their traffic away from the host's
 * own networks.
 */
package dev.flotilla.kvm.net;
