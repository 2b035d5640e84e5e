package dev.flotilla.vm.config;

import java.util.regex.Pattern;

/**
 * Everything needed to create one microVM, validated as a whole.
 *
 * <p>Devices (drives, network interfaces, vsock, balloon, entropy) are added here as their
 * configuration records are written; each validates itself, and cross-checks between them belong
 * in this constructor.
 *
 * @param id            the VM's name in the fleet and in {@code /vms/{id}}: 1 to 64 of [A-Za-z0-9_-]
 * @param machineConfig vCPUs, memory and CPU model
 * @param bootSource    kernel, initrd and command line
 * @param devices       virtio devices ({@link VmDevices#NONE} for none)
 */
public record VmSpec(String id, MachineConfig machineConfig, BootSource bootSource, VmDevices devices) {

    /** Also what keeps an id safe in a URL path, a file name, a thread name and a metric tag. */
    public static final Pattern ID_PATTERN = Pattern.compile("^[a-zA-Z0-9_-]{1,64}$");

    public VmSpec {
        checkId(id);
        if (machineConfig == null) {
            throw new InvalidConfigException("machine-config", "VM '" + id + "' has no machine configuration: "
                    + "use MachineConfig.DEFAULT for Firecracker's defaults");
        }
        if (bootSource == null) {
            throw new InvalidConfigException("boot-source", "VM '" + id + "' has no boot source: give a kernel "
                    + "image path");
        }
        if (devices == null) devices = VmDevices.NONE;
    }

    /** A VM without virtio devices. */
    public VmSpec(String id, MachineConfig machineConfig, BootSource bootSource) {
        this(id, machineConfig, bootSource, VmDevices.NONE);
    }

    /** A VM with Firecracker's default machine configuration. */
    public static VmSpec withDefaultMachine(String id, BootSource bootSource) {
        return new VmSpec(id, MachineConfig.DEFAULT, bootSource);
    }

    /**
     * @throws InvalidConfigException unless {@code id} is 1 to 64 letters, digits, '_' or '-'
     */
    public static void checkId(String id) {
        if (id == null || !ID_PATTERN.matcher(id).matches()) {
            String shown = id == null ? "null"
                    : "'" + (id.length() > 80 ? id.substring(0, 80) + "...' (" + id.length() + " characters)" : id + "'");
            throw new InvalidConfigException("vm_id", "VM id " + shown
                    + " is not valid: use 1 to 64 characters from A-Z, a-z, 0-9, '_' and '-'");
        }
    }
}
