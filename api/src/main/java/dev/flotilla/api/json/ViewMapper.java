package dev.flotilla.api.json;

import dev.flotilla.fleet.BalloonStatistics;
import dev.flotilla.fleet.HostView;
import dev.flotilla.fleet.LoggerConfig;
import dev.flotilla.fleet.VmDefinition;
import dev.flotilla.fleet.VmEvent;
import dev.flotilla.fleet.VmView;
import dev.flotilla.vm.config.BalloonConfig;
import dev.flotilla.vm.config.BootSource;
import dev.flotilla.vm.config.DriveConfig;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.NetworkInterfaceConfig;
import dev.flotilla.vm.config.RateLimiterConfig;
import dev.flotilla.vm.config.TokenBucketConfig;
import dev.flotilla.vm.config.VsockConfig;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Fleet views and configuration records to the API's JSON shapes ({@link Bodies}). Stateless. */
public final class ViewMapper {

    public static final String APP_NAME = "Flotilla";
    public static final String VMM_VERSION = Optional.ofNullable(ViewMapper.class.getPackage().getImplementationVersion()).orElse("0.1.0");

    private ViewMapper() {}

    public static Bodies.InstanceInfo instanceInfo(VmView v) {
        return new Bodies.InstanceInfo(v.id(), v.state().firecrackerName(), VMM_VERSION, APP_NAME);
    }

    public static Bodies.MachineConfiguration machineConfig(MachineConfig m) {
        return new Bodies.MachineConfiguration(m.vcpuCount(), m.memSizeMib(), m.smt(), m.cpuTemplate().apiName(),
                m.trackDirtyPages(), m.hugePages().apiName());
    }

    public static Bodies.BootSource bootSource(BootSource b) {
        return new Bodies.BootSource(b.kernelImagePath().toString(), b.initrdPath().map(Object::toString).orElse(null), b.bootArgs());
    }

    public static Bodies.Drive drive(DriveConfig d) {
        return new Bodies.Drive(d.driveId(), d.pathOnHost().toString(), d.isRootDevice(), d.isReadOnly(), d.partuuid().orElse(null),
                rateLimiter(d.rateLimiter()), null, null);
    }

    public static Bodies.NetworkInterface networkInterface(NetworkInterfaceConfig n) {
        return new Bodies.NetworkInterface(n.ifaceId(), n.hostDevName(), n.guestMac().orElse(null),
                rateLimiter(n.rxRateLimiter()), rateLimiter(n.txRateLimiter()));
    }

    public static Bodies.Vsock vsock(VsockConfig v) {
        return new Bodies.Vsock(v.guestCid(), v.udsPath().toString(), null);
    }

    public static Bodies.Balloon balloon(BalloonConfig b) {
        return new Bodies.Balloon(b.amountMib(), b.deflateOnOom(), b.statsPollingIntervalS());
    }

    public static Bodies.Logger logger(LoggerConfig l) {
        return new Bodies.Logger(l.logPath().toString(), l.level(), l.showLevel(), l.showLogOrigin(), l.module().orElse(null));
    }

    /** Firecracker's config-file shape plus Flotilla's id, labels and restart policy. */
    public static Bodies.VmConfig config(VmDefinition d) {
        var dev = d.devices();
        return new Bodies.VmConfig(d.id(), d.labels(), d.restartPolicy().apiName(),
                d.bootSource().map(ViewMapper::bootSource).orElse(null),
                machineConfig(d.machineConfig()),
                dev.drives().stream().map(ViewMapper::drive).toList(),
                dev.networkInterfaces().stream().map(ViewMapper::networkInterface).toList(),
                dev.vsock().map(ViewMapper::vsock).orElse(null),
                dev.entropy().map(e -> new Bodies.EntropyDevice(rateLimiter(e.rateLimiter()))).orElse(null),
                dev.balloon().map(ViewMapper::balloon).orElse(null),
                d.logger().map(ViewMapper::logger).orElse(null),
                d.metrics().map(m -> new Bodies.Metrics(m.metricsPath().toString())).orElse(null));
    }

    public static Bodies.VmView vm(VmView v) {
        return new Bodies.VmView(v.id(), v.state().name().toLowerCase(Locale.ROOT), v.state().firecrackerName(),
                v.endReason().map(r -> new Bodies.EndReason(r.kind().label(), r.detail())).orElse(null),
                v.host().orElse(null), v.bootMs() < 0 ? null : v.bootMs(), v.restarts(),
                v.createdAt() == null ? null : v.createdAt().toString(), config(v.definition()));
    }

    public static Bodies.Host host(HostView h) {
        return new Bodies.Host(h.name(), h.vcpuCapacity(), h.memMibCapacity(), h.vcpusAllocated(), h.memMibAllocated(),
                h.vmCount(), h.kvmFlavour(), h.vmOverheadMib(), h.memTotalMib(), h.memReserveMib(),
                h.memAvailableMib() < 0 ? null : h.memAvailableMib(), h.pressureSomeAvg10(), h.pressureFullAvg10());
    }

    public static Bodies.Event event(VmEvent e) {
        return new Bodies.Event(e.sequence(), e.at().toString(), vm(e.vm()));
    }

    public static Bodies.BalloonStats balloonStats(BalloonStatistics s) {
        Map<String, Long> g = s.guestStatistics();
        return new Bodies.BalloonStats(s.targetPages(), s.actualPages(), s.targetMib(), s.actualMib(),
                g.get("swap_in"), g.get("swap_out"), g.get("major_faults"), g.get("minor_faults"), g.get("free_memory"),
                g.get("total_memory"), g.get("available_memory"), g.get("disk_caches"), g.get("hugetlb_allocations"),
                g.get("hugetlb_failures"));
    }

    private static Bodies.RateLimiter rateLimiter(Optional<RateLimiterConfig> r) {
        return r.map(l -> new Bodies.RateLimiter(tokenBucket(l.bandwidth()), tokenBucket(l.ops()))).orElse(null);
    }

    private static Bodies.TokenBucket tokenBucket(Optional<TokenBucketConfig> t) {
        return t.map(b -> new Bodies.TokenBucket(b.size(), b.oneTimeBurst(), b.refillTimeMs())).orElse(null);
    }
}
