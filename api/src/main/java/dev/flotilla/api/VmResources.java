package dev.flotilla.api;

import akka.http.javadsl.server.Route;
import dev.flotilla.api.json.Bodies;
import dev.flotilla.api.json.BodyMapper;
import dev.flotilla.api.json.ViewMapper;
import dev.flotilla.fleet.ConfigChange;
import dev.flotilla.fleet.FleetProtocol.Action;
import dev.flotilla.fleet.VmView;
import dev.flotilla.vm.VmState;
import dev.flotilla.vm.config.BalloonConfig;
import dev.flotilla.vm.config.DriveConfig;
import dev.flotilla.vm.config.InvalidConfigException;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.NetworkInterfaceConfig;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;

import static dev.flotilla.api.Handlers.reply;

/**
 * The Firecracker-compatible per-VM resources under {@code /vms/{id}}: bodies parsed and checked here, then one
 * typed {@link ConfigChange} or {@link Action} to the fleet, which applies Firecracker's pre-/post-boot rules.
 * PATCH bodies are merged over the VM's current configuration read just before (a concurrent PATCH of the same
 * resource may be lost, as with two clients of one Firecracker process).
 */
final class VmResources {

    private final FleetClient fleet;
    private final BodyMapper bodies;
    private final Executor files;

    /** @param files where bodies naming host paths are mapped: resolving them is blocking file-system I/O */
    VmResources(FleetClient fleet, BodyMapper bodies, Executor files) {
        this.fleet = fleet;
        this.bodies = bodies;
        this.files = files;
    }

    void register(Map<ApiRoute, Function<Call, Route>> table) {
        table.put(ApiRoute.DESCRIBE_INSTANCE, c -> reply(() -> fleet.get(c.id()).thenApply(v -> Replies.ok(ViewMapper.instanceInfo(v)))));
        table.put(ApiRoute.PUT_BOOT_SOURCE, c -> change(c, () -> new ConfigChange.SetBootSource(bodies.bootSource(c.body(Bodies.BootSource.class, "boot-source")))));
        table.put(ApiRoute.GET_MACHINE_CONFIG, c -> reply(() -> fleet.get(c.id())
                .thenApply(v -> Replies.ok(ViewMapper.machineConfig(v.definition().machineConfig())))));
        table.put(ApiRoute.PUT_MACHINE_CONFIG, c -> change(c, () -> new ConfigChange.SetMachineConfig(
                bodies.machineConfig(c.body(Bodies.MachineConfiguration.class, "machine-config")))));
        table.put(ApiRoute.PATCH_MACHINE_CONFIG, this::patchMachineConfig);
        table.put(ApiRoute.PUT_DRIVE, c -> change(c, () -> new ConfigChange.PutDrive(bodies.drive(c.param("drive_id"), c.body(Bodies.Drive.class, "drive")))));
        table.put(ApiRoute.PATCH_DRIVE, this::patchDrive);
        table.put(ApiRoute.PUT_NETWORK_INTERFACE, c -> change(c, () -> new ConfigChange.PutNetworkInterface(
                bodies.networkInterface(c.param("iface_id"), c.body(Bodies.NetworkInterface.class, "network-interface")))));
        table.put(ApiRoute.PATCH_NETWORK_INTERFACE, this::patchNetworkInterface);
        table.put(ApiRoute.PUT_VSOCK, c -> change(c, () -> new ConfigChange.SetVsock(bodies.vsock(c.body(Bodies.Vsock.class, "vsock")))));
        table.put(ApiRoute.PUT_ENTROPY, c -> change(c, () -> new ConfigChange.SetEntropy(bodies.entropy(c.body(Bodies.EntropyDevice.class, "entropy")))));
        table.put(ApiRoute.GET_BALLOON, c -> reply(() -> fleet.get(c.id()).thenApply(v -> Replies.ok(ViewMapper.balloon(balloonOf(v))))));
        table.put(ApiRoute.PUT_BALLOON, c -> change(c, () -> new ConfigChange.SetBalloon(bodies.balloon(c.body(Bodies.Balloon.class, "balloon")))));
        table.put(ApiRoute.PATCH_BALLOON, this::patchBalloon);
        table.put(ApiRoute.GET_BALLOON_STATISTICS, this::balloonStatistics);
        table.put(ApiRoute.PATCH_BALLOON_STATISTICS, this::patchBalloonStatistics);
        table.put(ApiRoute.PUT_LOGGER, c -> change(c, () -> new ConfigChange.SetLogger(bodies.logger(c.body(Bodies.Logger.class, "logger")))));
        table.put(ApiRoute.PUT_METRICS, c -> change(c, () -> new ConfigChange.SetMetrics(bodies.metrics(c.body(Bodies.Metrics.class, "metrics")))));
        table.put(ApiRoute.PUT_ACTIONS, c -> act(c, action(c.body(Bodies.InstanceActionInfo.class, "actions").actionType())));
        table.put(ApiRoute.PATCH_VM, c -> act(c, vmState(c.body(Bodies.Vm.class, "vm").state())));
        Function<Call, Route> config = c -> reply(() -> fleet.get(c.id()).thenApply(v -> Replies.ok(ViewMapper.config(v.definition()))));
        table.put(ApiRoute.GET_CONFIG, config);
        table.put(ApiRoute.GET_VM_CONFIG, config);
    }

    /** Builds the change (host paths are resolved on the file system) off the dispatcher, then asks the fleet. */
    private Route change(Call c, Supplier<ConfigChange> change) {
        return reply(() -> CompletableFuture.supplyAsync(change, files)
                .thenCompose(ch -> fleet.configure(c.id(), ch)).thenApply(v -> Replies.noContent()));
    }

    private Route act(Call c, Action action) {
        return reply(() -> fleet.act(c.id(), action).thenApply(v -> Replies.noContent()));
    }

    /** Merges over the current machine config, or Firecracker's defaults for a VM not created yet. */
    private Route patchMachineConfig(Call c) {
        Bodies.MachineConfiguration patch = c.body(Bodies.MachineConfiguration.class, "machine-config");
        return reply(() -> fleet.find(c.id())
                .thenApply(v -> bodies.patchMachineConfig(v.map(x -> x.definition().machineConfig()).orElse(MachineConfig.DEFAULT), patch))
                .thenCompose(m -> fleet.configure(c.id(), new ConfigChange.SetMachineConfig(m)))
                .thenApply(v -> Replies.noContent()));
    }

    private Route patchDrive(Call c) {
        Bodies.PartialDrive patch = c.body(Bodies.PartialDrive.class, "drive");
        String driveId = c.param("drive_id");
        return reply(() -> fleet.get(c.id()).thenComposeAsync(v -> {
            DriveConfig current = v.definition().devices().drives().stream().filter(d -> d.driveId().equals(driveId)).findFirst()
                    .orElseThrow(() -> new InvalidConfigException("drive_id", "VM '" + c.id() + "' has no drive '" + driveId
                            + "': PUT /vms/" + c.id() + "/drives/" + driveId + " before boot to add it"));
            return fleet.configure(c.id(), new ConfigChange.PatchDrive(bodies.patchDrive(driveId, current, patch)));
        }, files).thenApply(v -> Replies.noContent()));
    }

    private Route patchNetworkInterface(Call c) {
        Bodies.PartialNetworkInterface patch = c.body(Bodies.PartialNetworkInterface.class, "network-interface");
        String ifaceId = c.param("iface_id");
        return reply(() -> fleet.get(c.id()).thenCompose(v -> {
            NetworkInterfaceConfig current = v.definition().devices().networkInterfaces().stream()
                    .filter(n -> n.ifaceId().equals(ifaceId)).findFirst()
                    .orElseThrow(() -> new InvalidConfigException("iface_id", "VM '" + c.id() + "' has no network interface '" + ifaceId
                            + "': PUT /vms/" + c.id() + "/network-interfaces/" + ifaceId + " before boot to add it"));
            return fleet.configure(c.id(), new ConfigChange.PatchNetworkInterface(bodies.patchNetworkInterface(ifaceId, current, patch)));
        }).thenApply(v -> Replies.noContent()));
    }

    private Route patchBalloon(Call c) {
        Bodies.BalloonUpdate patch = c.body(Bodies.BalloonUpdate.class, "balloon");
        return reply(() -> fleet.get(c.id())
                .thenCompose(v -> fleet.configure(c.id(), balloonChange(v, bodies.patchBalloon(balloonOf(v), patch))))
                .thenApply(v -> Replies.noContent()));
    }

    private Route balloonStatistics(Call c) {
        return reply(() -> fleet.get(c.id()).thenCompose(v -> {
            if (balloonOf(v).statsPollingIntervalS() == 0) {
                throw new InvalidConfigException("stats_polling_interval_s", "balloon statistics are not enabled on VM '" + c.id()
                        + "': set stats_polling_interval_s above 0 when the balloon is configured (PUT /vms/" + c.id() + "/balloon)");
            }
            return fleet.balloonStats(c.id());
        }).thenApply(s -> Replies.ok(ViewMapper.balloonStats(s))));
    }

    /** As Firecracker: after boot the interval can change, but statistics cannot be switched on or off. */
    private Route patchBalloonStatistics(Call c) {
        Bodies.BalloonStatsUpdate patch = c.body(Bodies.BalloonStatsUpdate.class, "balloon statistics");
        return reply(() -> fleet.get(c.id()).thenCompose(v -> {
            BalloonConfig current = balloonOf(v);
            BalloonConfig next = bodies.patchBalloonStats(current, patch);
            boolean booted = v.state() != VmState.CONFIGURING;
            if (booted && (current.statsPollingIntervalS() == 0) != (next.statsPollingIntervalS() == 0)) {
                throw new InvalidConfigException("stats_polling_interval_s", "balloon statistics cannot be turned "
                        + (next.statsPollingIntervalS() == 0 ? "off" : "on") + " after boot: only a non-zero interval can be changed to another");
            }
            return fleet.configure(c.id(), balloonChange(v, next));
        }).thenApply(v -> Replies.noContent()));
    }

    /** Firecracker allows both balloon PATCHes before boot as well: then they are plain changes of the definition. */
    private static ConfigChange balloonChange(VmView v, BalloonConfig next) {
        return v.state() == VmState.CONFIGURING ? new ConfigChange.SetBalloon(next) : new ConfigChange.PatchBalloon(next);
    }

    private static BalloonConfig balloonOf(VmView v) {
        return v.definition().devices().balloon().orElseThrow(() -> new InvalidConfigException("balloon",
                "VM '" + v.id() + "' has no balloon device: PUT /vms/" + v.id() + "/balloon before boot to add one"));
    }

    private static Action action(String type) {
        if (type == null) throw new InvalidConfigException("action_type", "action_type is required: one of InstanceStart, SendCtrlAltDel, FlushMetrics");
        return switch (type) {
            case "InstanceStart" -> Action.INSTANCE_START;
            case "SendCtrlAltDel" -> Action.SEND_CTRL_ALT_DEL;
            case "FlushMetrics" -> Action.FLUSH_METRICS;
            default -> throw new InvalidConfigException("action_type", "action_type '" + type
                    + "' is not an action: use InstanceStart, SendCtrlAltDel or FlushMetrics");
        };
    }

    private static Action vmState(String state) {
        if (state == null) throw new InvalidConfigException("state", "state is required: Paused or Resumed");
        return switch (state) {
            case "Paused" -> Action.PAUSE;
            case "Resumed" -> Action.RESUME;
            default -> throw new InvalidConfigException("state", "state '" + state + "' is not a VM state you can set: use Paused or Resumed");
        };
    }
}
