package dev.flotilla.fleet;

import dev.flotilla.vm.config.BalloonConfig;
import dev.flotilla.vm.config.BootSource;
import dev.flotilla.vm.config.DriveConfig;
import dev.flotilla.vm.config.EntropyConfig;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.NetworkInterfaceConfig;
import dev.flotilla.vm.config.VmDevices;
import dev.flotilla.vm.config.VsockConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One change to a VM's configuration, as the per-VM API makes them (one resource per request). Before
 * boot every change applies to the definition ({@link #applyTo}); after boot only the live updates
 * Firecracker allows (drive swap/resize and rate limiters, balloon target) are accepted, and the fleet
 * routes them to the running VM.
 */
public sealed interface ConfigChange {

    /** The definition with this change applied; throws InvalidConfigException on a bad combination. */
    VmDefinition applyTo(VmDefinition d);

    /** Whether Firecracker allows this change on a running VM. */
    default boolean allowedAfterBoot() {
        return false;
    }

    record SetMachineConfig(MachineConfig config) implements ConfigChange {
        public VmDefinition applyTo(VmDefinition d) {
            return d.withMachineConfig(config);
        }
    }

    record SetBootSource(BootSource source) implements ConfigChange {
        public VmDefinition applyTo(VmDefinition d) {
            return d.withBootSource(source);
        }
    }

    /** PUT /drives/{id}: add or replace a drive. */
    record PutDrive(DriveConfig drive) implements ConfigChange {
        public VmDefinition applyTo(VmDefinition d) {
            List<DriveConfig> drives = replace(d.devices().drives(), drive, DriveConfig::driveId);
            VmDevices v = d.devices();
            return d.withDevices(new VmDevices(drives, v.networkInterfaces(), v.vsock(), v.entropy(), v.balloon()));
        }
    }

    /** PATCH /drives/{id} after boot: new backing file (and size) and/or new rate limiter. */
    record PatchDrive(DriveConfig drive) implements ConfigChange {
        public VmDefinition applyTo(VmDefinition d) {
            return new PutDrive(drive).applyTo(d);
        }

        @Override
        public boolean allowedAfterBoot() {
            return true;
        }
    }

    record PutNetworkInterface(NetworkInterfaceConfig iface) implements ConfigChange {
        public VmDefinition applyTo(VmDefinition d) {
            List<NetworkInterfaceConfig> nics = replace(d.devices().networkInterfaces(), iface, NetworkInterfaceConfig::ifaceId);
            VmDevices v = d.devices();
            return d.withDevices(new VmDevices(v.drives(), nics, v.vsock(), v.entropy(), v.balloon()));
        }
    }

    /** PATCH /network-interfaces/{id} after boot: new rate limiters. */
    record PatchNetworkInterface(NetworkInterfaceConfig iface) implements ConfigChange {
        public VmDefinition applyTo(VmDefinition d) {
            return new PutNetworkInterface(iface).applyTo(d);
        }

        @Override
        public boolean allowedAfterBoot() {
            return true;
        }
    }

    record SetVsock(VsockConfig vsock) implements ConfigChange {
        public VmDefinition applyTo(VmDefinition d) {
            VmDevices v = d.devices();
            return d.withDevices(new VmDevices(v.drives(), v.networkInterfaces(), Optional.of(vsock), v.entropy(), v.balloon()));
        }
    }

    record SetEntropy(EntropyConfig entropy) implements ConfigChange {
        public VmDefinition applyTo(VmDefinition d) {
            VmDevices v = d.devices();
            return d.withDevices(new VmDevices(v.drives(), v.networkInterfaces(), v.vsock(), Optional.of(entropy), v.balloon()));
        }
    }

    record SetBalloon(BalloonConfig balloon) implements ConfigChange {
        public VmDefinition applyTo(VmDefinition d) {
            VmDevices v = d.devices();
            return d.withDevices(new VmDevices(v.drives(), v.networkInterfaces(), v.vsock(), v.entropy(), Optional.of(balloon)));
        }
    }

    /** PATCH /balloon after boot: a new target size (and stats interval). */
    record PatchBalloon(BalloonConfig balloon) implements ConfigChange {
        public VmDefinition applyTo(VmDefinition d) {
            return new SetBalloon(balloon).applyTo(d);
        }

        @Override
        public boolean allowedAfterBoot() {
            return true;
        }
    }

    /** PUT /logger (pre-boot, as Firecracker). */
    record SetLogger(LoggerConfig logger) implements ConfigChange {
        public VmDefinition applyTo(VmDefinition d) {
            return d.withLogger(logger);
        }
    }

    /** PUT /metrics (pre-boot, as Firecracker). */
    record SetMetrics(MetricsConfig metrics) implements ConfigChange {
        public VmDefinition applyTo(VmDefinition d) {
            return d.withMetrics(metrics);
        }
    }

    private static <T> List<T> replace(List<T> list, T item, java.util.function.Function<T, String> id) {
        List<T> out = new ArrayList<>();
        boolean replaced = false;
        for (T t : list) {
            if (id.apply(t).equals(id.apply(item))) {
                out.add(item);
                replaced = true;
            } else {
                out.add(t);
            }
        }
        if (!replaced) out.add(item);
        return out;
    }
}
