package dev.flotilla.api.json;

import dev.flotilla.api.HostPaths;
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
import dev.flotilla.vm.config.InvalidConfigException;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.NetworkInterfaceConfig;
import dev.flotilla.vm.config.RateLimiterConfig;
import dev.flotilla.vm.config.TokenBucketConfig;
import dev.flotilla.vm.config.VmDevices;
import dev.flotilla.vm.config.VsockConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Request bodies to Flotilla's validated configuration records. Checks what the records cannot know (required
 * fields, a body id matching the path id, host paths under the allowed roots) and lets the records range-check
 * the rest; every refusal is an {@link InvalidConfigException} naming the field (a 400).
 * Thread-safe: stateless apart from the immutable {@link HostPaths}.
 */
public final class BodyMapper {

    private final HostPaths paths;

    public BodyMapper(HostPaths paths) {
        this.paths = paths;
    }

    /** PUT /machine-config: vcpu_count and mem_size_mib required, the rest Firecracker's defaults. */
    public MachineConfig machineConfig(Bodies.MachineConfiguration b) {
        require(b.vcpuCount(), "vcpu_count", "machine-config");
        require(b.memSizeMib(), "mem_size_mib", "machine-config");
        return patchMachineConfig(MachineConfig.DEFAULT, b);
    }

    /** PATCH /machine-config: the given fields over {@code current}. */
    public MachineConfig patchMachineConfig(MachineConfig current, Bodies.MachineConfiguration b) {
        return new MachineConfig(
                b.vcpuCount() != null ? b.vcpuCount() : current.vcpuCount(),
                b.memSizeMib() != null ? b.memSizeMib() : current.memSizeMib(),
                b.smt() != null ? b.smt() : current.smt(),
                b.cpuTemplate() != null ? CpuTemplate.fromApiName(b.cpuTemplate()) : current.cpuTemplate(),
                b.trackDirtyPages() != null ? b.trackDirtyPages() : current.trackDirtyPages(),
                b.hugePages() != null ? HugePages.fromApiName(b.hugePages()) : current.hugePages());
    }

    public BootSource bootSource(Bodies.BootSource b) {
        require(b.kernelImagePath(), "kernel_image_path", "boot-source");
        return new BootSource(paths.confine("kernel_image_path", b.kernelImagePath()),
                Optional.ofNullable(b.initrdPath()).map(p -> paths.confine("initrd_path", p)),
                b.bootArgs() != null ? b.bootArgs() : BootSource.DEFAULT_BOOT_ARGS);
    }

    /** PUT /drives/{drive_id}; {@code pathId} null when the drive comes from a config file. */
    public DriveConfig drive(String pathId, Bodies.Drive b) {
        require(b.driveId(), "drive_id", "drive");
        matchPathId("drive_id", b.driveId(), pathId);
        require(b.isRootDevice(), "is_root_device", "drive '" + b.driveId() + "'");
        require(b.pathOnHost(), "path_on_host", "drive '" + b.driveId() + "'");
        if (b.cacheType() != null && !b.cacheType().equals("Unsafe")) {
            throw new InvalidConfigException("cache_type", "cache_type '" + b.cacheType() + "' is not supported: Flotilla implements Unsafe "
                    + "(no flush on the host); leave the field out");
        }
        if (b.ioEngine() != null && !b.ioEngine().equals("Sync")) {
            throw new InvalidConfigException("io_engine", "io_engine '" + b.ioEngine() + "' is not supported: Flotilla implements Sync; leave the field out");
        }
        return new DriveConfig(b.driveId(), paths.confine("path_on_host", b.pathOnHost()), b.isRootDevice(),
                b.isReadOnly() != null && b.isReadOnly(), Optional.ofNullable(b.partuuid()), rateLimiter(b.rateLimiter()));
    }

    /** PATCH /drives/{drive_id} over the drive as it is. */
    public DriveConfig patchDrive(String pathId, DriveConfig current, Bodies.PartialDrive b) {
        require(b.driveId(), "drive_id", "drive");
        matchPathId("drive_id", b.driveId(), pathId);
        return new DriveConfig(current.driveId(),
                b.pathOnHost() != null ? paths.confine("path_on_host", b.pathOnHost()) : current.pathOnHost(),
                current.isRootDevice(), current.isReadOnly(), current.partuuid(),
                b.rateLimiter() != null ? rateLimiter(b.rateLimiter()) : current.rateLimiter());
    }

    public NetworkInterfaceConfig networkInterface(String pathId, Bodies.NetworkInterface b) {
        require(b.ifaceId(), "iface_id", "network-interface");
        matchPathId("iface_id", b.ifaceId(), pathId);
        require(b.hostDevName(), "host_dev_name", "network-interface '" + b.ifaceId() + "'");
        return new NetworkInterfaceConfig(b.ifaceId(), b.hostDevName(), Optional.ofNullable(b.guestMac()),
                rateLimiter(b.rxRateLimiter()), rateLimiter(b.txRateLimiter()));
    }

    public NetworkInterfaceConfig patchNetworkInterface(String pathId, NetworkInterfaceConfig current, Bodies.PartialNetworkInterface b) {
        require(b.ifaceId(), "iface_id", "network-interface");
        matchPathId("iface_id", b.ifaceId(), pathId);
        return new NetworkInterfaceConfig(current.ifaceId(), current.hostDevName(), current.guestMac(),
                b.rxRateLimiter() != null ? rateLimiter(b.rxRateLimiter()) : current.rxRateLimiter(),
                b.txRateLimiter() != null ? rateLimiter(b.txRateLimiter()) : current.txRateLimiter());
    }

    public VsockConfig vsock(Bodies.Vsock b) {
        require(b.guestCid(), "guest_cid", "vsock");
        require(b.udsPath(), "uds_path", "vsock");
        return new VsockConfig(b.guestCid(), paths.confine("uds_path", b.udsPath()));
    }

    public EntropyConfig entropy(Bodies.EntropyDevice b) {
        return new EntropyConfig(rateLimiter(b.rateLimiter()));
    }

    public BalloonConfig balloon(Bodies.Balloon b) {
        require(b.amountMib(), "amount_mib", "balloon");
        require(b.deflateOnOom(), "deflate_on_oom", "balloon");
        return new BalloonConfig(b.amountMib(), b.deflateOnOom(), b.statsPollingIntervalS() == null ? 0 : b.statsPollingIntervalS());
    }

    public BalloonConfig patchBalloon(BalloonConfig current, Bodies.BalloonUpdate b) {
        require(b.amountMib(), "amount_mib", "balloon");
        return new BalloonConfig(b.amountMib(), current.deflateOnOom(), current.statsPollingIntervalS());
    }

    public BalloonConfig patchBalloonStats(BalloonConfig current, Bodies.BalloonStatsUpdate b) {
        require(b.statsPollingIntervalS(), "stats_polling_interval_s", "balloon statistics");
        return new BalloonConfig(current.amountMib(), current.deflateOnOom(), b.statsPollingIntervalS());
    }

    public LoggerConfig logger(Bodies.Logger b) {
        require(b.logPath(), "log_path", "logger");
        return new LoggerConfig(paths.confine("log_path", b.logPath()), b.level(), Boolean.TRUE.equals(b.showLevel()),
                Boolean.TRUE.equals(b.showLogOrigin()), Optional.ofNullable(b.module()));
    }

    public MetricsConfig metrics(Bodies.Metrics b) {
        require(b.metricsPath(), "metrics_path", "metrics");
        return new MetricsConfig(paths.confine("metrics_path", b.metricsPath()));
    }

    /**
     * POST /vms: the whole definition. boot-source is required (the VM is booted at once); machine-config, when
     * given, needs vcpu_count and mem_size_mib as in a Firecracker config file.
     */
    public VmDefinition definition(String id, Bodies.VmConfig b) {
        if (b.bootSource() == null) {
            throw new InvalidConfigException("boot-source", "boot-source is required: POST /vms creates and boots the VM in one call. "
                    + "To configure a VM step by step, use PUT /vms/{id}/boot-source and the other per-VM resources");
        }
        List<DriveConfig> drives = new ArrayList<>();
        if (b.drives() != null) for (Bodies.Drive d : b.drives()) drives.add(drive(null, nonNull(d, "drives")));
        List<NetworkInterfaceConfig> nics = new ArrayList<>();
        if (b.networkInterfaces() != null) {
            for (Bodies.NetworkInterface n : b.networkInterfaces()) nics.add(networkInterface(null, nonNull(n, "network-interfaces")));
        }
        VmDevices devices = new VmDevices(drives, nics,
                Optional.ofNullable(b.vsock()).map(this::vsock),
                Optional.ofNullable(b.entropy()).map(this::entropy),
                Optional.ofNullable(b.balloon()).map(this::balloon));
        Map<String, String> labels = b.labels() == null ? Map.of() : b.labels();
        if (labels.values().stream().anyMatch(java.util.Objects::isNull)) throw new InvalidConfigException("labels", "a label value is null: use a string");
        return new VmDefinition(id,
                b.machineConfig() == null ? MachineConfig.DEFAULT : machineConfig(b.machineConfig()),
                Optional.of(bootSource(b.bootSource())),
                devices, labels,
                b.restartPolicy() == null ? RestartPolicy.NEVER : RestartPolicy.fromApiName(b.restartPolicy()),
                Optional.ofNullable(b.logger()).map(this::logger),
                Optional.ofNullable(b.metrics()).map(this::metrics));
    }

    public static Optional<RateLimiterConfig> rateLimiter(Bodies.RateLimiter b) {
        if (b == null) return Optional.empty();
        return Optional.of(new RateLimiterConfig(tokenBucket(b.bandwidth(), "bandwidth"), tokenBucket(b.ops(), "ops")));
    }

    private static Optional<TokenBucketConfig> tokenBucket(Bodies.TokenBucket b, String which) {
        if (b == null) return Optional.empty();
        require(b.size(), "size", which + " token bucket");
        require(b.refillTime(), "refill_time", which + " token bucket");
        return Optional.of(new TokenBucketConfig(b.size(), b.oneTimeBurst() == null ? 0 : b.oneTimeBurst(), b.refillTime()));
    }

    private static void matchPathId(String field, String bodyId, String pathId) {
        if (pathId != null && !pathId.equals(bodyId)) {
            throw new InvalidConfigException(field, field + " '" + bodyId + "' in the body does not match '" + pathId
                    + "' in the path: they must be the same");
        }
    }

    private static <T> T nonNull(T item, String list) {
        if (item == null) throw new InvalidConfigException(list, list + " has a null entry: remove it");
        return item;
    }

    private static void require(Object value, String field, String what) {
        if (value == null) throw new InvalidConfigException(field, field + " is required in the " + what + " body");
    }
}
