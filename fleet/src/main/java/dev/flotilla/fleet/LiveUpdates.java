package dev.flotilla.fleet;

import dev.flotilla.vm.config.DriveConfig;
import dev.flotilla.vm.devices.DeviceUpdate;

/**
 * Turns a post-boot {@link ConfigChange} into the update the running device takes, and names the device
 * (drive_id, iface_id, or "balloon"). Only changes with {@link ConfigChange#allowedAfterBoot()} get here.
 */
final class LiveUpdates {

    record Target(String deviceId, DeviceUpdate update) {}

    private LiveUpdates() {}

    static Target target(ConfigChange change, VmDefinition before) {
        if (change instanceof ConfigChange.PatchDrive p) {
            DriveConfig d = p.drive();
            boolean pathChanged = before.devices().drives().stream()
                    .filter(old -> old.driveId().equals(d.driveId()))
                    .noneMatch(old -> old.pathOnHost().equals(d.pathOnHost()));
            return new Target(d.driveId(), new DeviceUpdate.Drive(d, pathChanged));
        }
        if (change instanceof ConfigChange.PatchNetworkInterface p) {
            return new Target(p.iface().ifaceId(), new DeviceUpdate.NetworkInterface(p.iface()));
        }
        if (change instanceof ConfigChange.PatchBalloon p) {
            return new Target("balloon", new DeviceUpdate.Balloon(p.balloon()));
        }
        throw new IllegalArgumentException(change.getClass().getSimpleName() + " is not a live update");
    }
}
