package dev.flotilla.fleet;

import dev.flotilla.vm.config.BootSource;
import dev.flotilla.vm.config.InvalidConfigException;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.VmDevices;
import dev.flotilla.vm.config.VmSpec;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a user asked for: a VM's whole configuration (Firecracker's config-file body) plus the fleet's own
 * fields (labels, restart policy). This is the desired state the fleet persists; a VM that is lost (host
 * crash, process restart) is booted afresh from it. Before boot it may be incomplete (no boot source
 * yet), which is how the Firecracker-style per-VM API builds it up resource by resource.
 */
public record VmDefinition(String id, MachineConfig machineConfig, Optional<BootSource> bootSource,
                           VmDevices devices, Map<String, String> labels, RestartPolicy restartPolicy,
                           Optional<LoggerConfig> logger, Optional<MetricsConfig> metrics) {

    private static final Pattern LABEL_KEY = Pattern.compile("^[a-zA-Z0-9_.-]{1,63}$");
    public static final int MAX_LABELS = 32;

    public VmDefinition {
        VmSpec.checkId(id);
        if (machineConfig == null) machineConfig = MachineConfig.DEFAULT;
        if (bootSource == null) bootSource = Optional.empty();
        if (devices == null) devices = VmDevices.NONE;
        if (restartPolicy == null) restartPolicy = RestartPolicy.NEVER;
        if (logger == null) logger = Optional.empty();
        if (metrics == null) metrics = Optional.empty();
        labels = Map.copyOf(labels == null ? Map.of() : labels);
        if (labels.size() > MAX_LABELS) {
            throw new InvalidConfigException("labels", labels.size() + " labels: at most " + MAX_LABELS + " are allowed");
        }
        labels.forEach((k, v) -> {
            if (!LABEL_KEY.matcher(k).matches()) {
                throw new InvalidConfigException("labels", "label key '" + k + "' is invalid: 1-63 of a-z, A-Z, 0-9, '_', '.', '-'");
            }
            if (v.length() > 256) throw new InvalidConfigException("labels", "label '" + k + "' has a value over 256 characters");
        });
    }

    /** A definition without a logger or metrics output. */
    public VmDefinition(String id, MachineConfig machineConfig, Optional<BootSource> bootSource,
                        VmDevices devices, Map<String, String> labels, RestartPolicy restartPolicy) {
        this(id, machineConfig, bootSource, devices, labels, restartPolicy, Optional.empty(), Optional.empty());
    }

    /** An empty definition: Firecracker's defaults, no boot source, no devices. */
    public static VmDefinition empty(String id) {
        return new VmDefinition(id, MachineConfig.DEFAULT, Optional.empty(), VmDevices.NONE, Map.of(), RestartPolicy.NEVER);
    }

    public boolean bootable() {
        return bootSource.isPresent();
    }

    /** The spec a MicroVm boots from. */
    public VmSpec toSpec() {
        return new VmSpec(id, machineConfig, bootSource.orElseThrow(() -> new InvalidConfigException("boot-source",
                "VM '" + id + "' has no boot source: PUT /vms/" + id + "/boot-source first")), devices);
    }

    /** The same definition under another id. */
    public VmDefinition withId(String newId) {
        return new VmDefinition(newId, machineConfig, bootSource, devices, labels, restartPolicy, logger, metrics);
    }

    public VmDefinition withMachineConfig(MachineConfig m) {
        return new VmDefinition(id, m, bootSource, devices, labels, restartPolicy, logger, metrics);
    }

    public VmDefinition withBootSource(BootSource b) {
        return new VmDefinition(id, machineConfig, Optional.of(b), devices, labels, restartPolicy, logger, metrics);
    }

    public VmDefinition withDevices(VmDevices d) {
        return new VmDefinition(id, machineConfig, bootSource, d, labels, restartPolicy, logger, metrics);
    }

    public VmDefinition withLogger(LoggerConfig l) {
        return new VmDefinition(id, machineConfig, bootSource, devices, labels, restartPolicy, Optional.of(l), metrics);
    }

    public VmDefinition withMetrics(MetricsConfig m) {
        return new VmDefinition(id, machineConfig, bootSource, devices, labels, restartPolicy, logger, Optional.of(m));
    }
}
