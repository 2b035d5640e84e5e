package dev.flotilla.fleet.store;

import dev.flotilla.fleet.LoggerConfig;
import dev.flotilla.fleet.MetricsConfig;
import dev.flotilla.fleet.RestartPolicy;
import dev.flotilla.fleet.VmDefinition;
import dev.flotilla.vm.config.BalloonConfig;
import dev.flotilla.vm.config.BootSource;
import dev.flotilla.vm.config.CpuTemplate;
import dev.flotilla.vm.config.DriveConfig;
import dev.flotilla.vm.config.EntropyConfig;
import dev.flotilla.vm.config.HugePages;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.NetworkInterfaceConfig;
import dev.flotilla.vm.config.RateLimiterConfig;
import dev.flotilla.vm.config.TokenBucketConfig;
import dev.flotilla.vm.config.VmDevices;
import dev.flotilla.vm.config.VsockConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Definitions for store tests: one with every field away from its default. */
final class Definitions {

    private Definitions() {}

    static VmDefinition everything(String id) {
        RateLimiterConfig limiter = new RateLimiterConfig(Optional.of(new TokenBucketConfig(1_000_000, 50_000, 100)),
                Optional.of(new TokenBucketConfig(100, 0, 1_000)));
        DriveConfig root = new DriveConfig("rootfs", Path.of("images/rootfs.ext4"), true, false,
                Optional.of("12345678-01"), Optional.of(limiter));
        DriveConfig data = new DriveConfig("data", Path.of("/srv/data.img"), false, true, Optional.empty(), Optional.empty());
        NetworkInterfaceConfig nic = new NetworkInterfaceConfig("eth0", "tap0", Optional.of("06:00:ac:10:00:02"),
                Optional.of(limiter), Optional.empty());
        VmDevices devices = new VmDevices(List.of(root, data), List.of(nic),
                Optional.of(new VsockConfig(3, Path.of("/run/v.sock"))), Optional.of(new EntropyConfig(Optional.empty())),
                Optional.of(new BalloonConfig(64, true, 5)));
        return new VmDefinition(id, new MachineConfig(2, 256, true, CpuTemplate.T2A, true, HugePages.HUGETLBFS_2M),
                Optional.of(new BootSource(Path.of("/boot/vmlinux"), Optional.of(Path.of("initrd.img")), "console=ttyS0 probe.hold")),
                devices, Map.of("team", "edge", "tier", "gold"), RestartPolicy.ON_FAILURE,
                Optional.of(new LoggerConfig(Path.of("logs/vm.log"), "Debug", true, false, Optional.of("api"))),
                Optional.of(new MetricsConfig(Path.of("/run/vm.metrics"))));
    }
}
