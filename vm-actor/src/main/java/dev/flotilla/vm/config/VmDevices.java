package dev.flotilla.vm.config;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The devices attached to one microVM, validated together: ids unique per kind, at most one root
 * drive, no two interfaces on one TAP, and no more devices than virtio-mmio slots (19, GSIs 5-23).
 */
public record VmDevices(List<DriveConfig> drives, List<NetworkInterfaceConfig> networkInterfaces,
                        Optional<VsockConfig> vsock, Optional<EntropyConfig> entropy,
                        Optional<BalloonConfig> balloon) {

    public static final int MAX_VIRTIO_DEVICES = 19;
    public static final VmDevices NONE = new VmDevices(List.of(), List.of(), Optional.empty(), Optional.empty(), Optional.empty());

    public VmDevices {
        drives = List.copyOf(drives);
        networkInterfaces = List.copyOf(networkInterfaces);
        if (vsock == null || entropy == null || balloon == null) throw new IllegalArgumentException("use Optional.empty()");
        Set<String> ids = new HashSet<>();
        int roots = 0;
        for (DriveConfig d : drives) {
            if (!ids.add(d.driveId())) throw new InvalidConfigException("drive_id", "drive_id '" + d.driveId() + "' is used twice");
            if (d.isRootDevice()) roots++;
        }
        if (roots > 1) throw new InvalidConfigException("is_root_device", "only one drive can be the root device");
        ids.clear();
        Set<String> taps = new HashSet<>();
        for (NetworkInterfaceConfig n : networkInterfaces) {
            if (!ids.add(n.ifaceId())) throw new InvalidConfigException("iface_id", "iface_id '" + n.ifaceId() + "' is used twice");
            if (!taps.add(n.hostDevName())) {
                throw new InvalidConfigException("host_dev_name", "host_dev_name '" + n.hostDevName() + "' is used by two interfaces");
            }
        }
        int count = drives.size() + networkInterfaces.size() + (vsock.isPresent() ? 1 : 0)
                + (entropy.isPresent() ? 1 : 0) + (balloon.isPresent() ? 1 : 0);
        if (count > MAX_VIRTIO_DEVICES) {
            throw new InvalidConfigException("drives", count + " devices do not fit: a microVM has " + MAX_VIRTIO_DEVICES
                    + " virtio-mmio slots");
        }
    }

    public int count() {
        return drives.size() + networkInterfaces.size() + (vsock.isPresent() ? 1 : 0)
                + (entropy.isPresent() ? 1 : 0) + (balloon.isPresent() ? 1 : 0);
    }
}
