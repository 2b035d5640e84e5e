package dev.flotilla.vm.config;

import java.nio.file.Path;

/** A virtio-vsock device, Firecracker's {@code Vsock}: the guest's CID and the host-side Unix socket. */
public record VsockConfig(long guestCid, Path udsPath) {

    /** CIDs 0-2 are reserved (hypervisor, local, host); the field is 32 bits on the wire. */
    public VsockConfig {
        if (guestCid < 3 || guestCid > 0xFFFF_FFFFL) {
            throw new InvalidConfigException("guest_cid", "guest_cid " + guestCid + " is out of range: use 3 to 4294967295 (0-2 are reserved)");
        }
        if (udsPath == null || udsPath.toString().isEmpty()) {
            throw new InvalidConfigException("uds_path", "uds_path is missing: give the Unix socket path for host connections");
        }
        if (udsPath.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 100) {
            throw new InvalidConfigException("uds_path", "uds_path is longer than 100 bytes, too long for a Unix socket (limit 108 with the _<port> suffix)");
        }
    }
}
