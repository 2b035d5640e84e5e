package dev.flotilla.ops.bench;

import dev.flotilla.ops.UsageException;

import dev.flotilla.kvm.Kvm;
import dev.flotilla.kvm.KvmAvailability;
import dev.flotilla.ops.ProbeGuestImage;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code flotilla bench devices}: device throughput and host CPU per request, Flotilla and QEMU side by
 * side. Exit status 0 when every routine of every VM ran, 1 when some failed (listed under the table),
 * 2 for a usage error, 3 when the host cannot run VMs.
 */
final class DevicesCommand {

    private DevicesCommand() {}

    static int execute(List<String> args) {
        if (args.contains("--help") || args.contains("-h")) {
            System.out.println(DevicesOptions.USAGE);
            return 0;
        }
        DevicesOptions options;
        try {
            options = DevicesOptions.parse(args);
        } catch (UsageException e) {
            System.err.println("flotilla bench devices: " + e.getMessage());
            System.err.println(DevicesOptions.USAGE);
            return 2;
        }
        if (System.getProperty("flotilla.log.level") == null) System.setProperty("flotilla.log.level", "WARN");
        KvmAvailability kvm = Kvm.availability();
        if (!kvm.usable()) {
            System.err.println("flotilla bench devices: cannot run microVMs on this host: " + kvm.describe());
            return 3;
        }
        Path kernel;
        try {
            kernel = ProbeGuestImage.path();
        } catch (RuntimeException e) {
            System.err.println("flotilla bench devices: " + e.getMessage());
            return 2;
        }
        Thread reaper = new Thread(() -> ProcessHandle.current().children().forEach(ProcessHandle::destroy), "bench-qemu-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        try {
            DevicesReport report = new DevicesBench(options, kernel, new Progress(System.err)).run();
            System.out.print(DevicesTable.format(report));
            System.out.flush();
            return report.failures().isEmpty() ? 0 : 1;
        } catch (Exception e) {
            System.err.println("flotilla bench devices: " + e);
            return 1;
        }
    }
}
