package dev.flotilla.ops.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The QEMU peer of {@code flotilla bench devices}: the boot benchmark's command line ({@link QemuCommand},
 * i.e. {@code ops/bin/qemu-probe}) with ACPI off, so QEMU appends {@code virtio_mmio.device=} words
 * for its devices to the guest's command line (the probe does not read the DSDT), modern virtio-mmio
 * (version 2, as Flotilla's) instead of QEMU's legacy default, named threads, and the devices appended.
 */
final class QemuDevices {

    static final String MACHINE = QemuCommand.MACHINE.replace("acpi=on", "acpi=off");

    private QemuDevices() {}

    static List<String> argv(QemuCommand base, List<String> deviceArgs) {
        List<String> argv = new ArrayList<>(base.argv());
        int m = argv.indexOf(QemuCommand.MACHINE);
        if (m < 0) throw new IllegalStateException("QemuCommand has no -M " + QemuCommand.MACHINE);
        argv.set(m, MACHINE);
        argv.add("-global");
        argv.add("virtio-mmio.force-legacy=false");
        // Thread names ("CPU 0/KVM", "worker", ...) instead of the binary's name on every thread: what
        // tells the vCPU threads' CPU time apart from the device side's. Changes nothing else.
        argv.add("-name");
        argv.add("flotilla-bench,debug-threads=on");
        argv.addAll(deviceArgs);
        return argv;
    }

    /** A read-only raw drive on the page cache (QEMU's default cache=writeback, aio=threads). */
    static List<String> readOnlyDisk(Path file, String serial) {
        return List.of("-drive", "id=d0,file=" + file + ",format=raw,if=none,readonly=on",
                "-device", "virtio-blk-device,drive=d0,serial=" + serial);
    }

    /** A TAP that already exists (QEMU runs in its namespace), without QEMU's ifup scripts. */
    static List<String> tap(String ifname, String mac) {
        return List.of("-netdev", "tap,id=n0,ifname=" + ifname + ",script=no,downscript=no",
                "-device", "virtio-net-device,netdev=n0,mac=" + mac);
    }
}
