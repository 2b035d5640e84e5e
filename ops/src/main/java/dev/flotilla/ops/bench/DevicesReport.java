package dev.flotilla.ops.bench;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one {@code flotilla bench devices} run measured: each peer's samples per workload (one per
 * round), what could not be measured and why.
 *
 * @param setup    lines describing the set-up (backing file, TAP, guest command line)
 * @param qemu     empty with --skip-qemu
 * @param failures VMs or routines that failed; the run's exit status is 1 when there are any
 */
record DevicesReport(MachineInfo machine, DevicesOptions options, String kernel, List<String> setup,
                     Map<Workload, List<DeviceSample>> flotilla, Optional<Map<Workload, List<DeviceSample>>> qemu,
                     List<String> failures) {

    DevicesReport {
        setup = List.copyOf(setup);
        flotilla = Map.copyOf(flotilla);
        qemu = qemu.map(Map::copyOf);
        failures = List.copyOf(failures);
    }
}
