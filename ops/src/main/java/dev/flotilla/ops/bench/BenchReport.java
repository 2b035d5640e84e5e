package dev.flotilla.ops.bench;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/** Everything one {@code flotilla bench boot} run measured; {@link ReportTable} prints it. */
public record BenchReport(MachineInfo machine, BenchOptions options, String kernel, Peer flotilla,
                          Optional<Peer> qemu, Optional<FlotillaTimeline> timeline, List<Phase> phases) {

    public BenchReport {
        phases = List.copyOf(phases);
    }

    /** One side of the comparison. Memory and burst are empty when that phase could not run. */
    public record Peer(String name, Boot boot, Optional<Memory> memory, Optional<Burst> burst) {}

    /**
     * N sequential boots. {@code bootTimer} is empty for QEMU (it has no boot-timer device);
     * {@code probeLine} is the time to the probe's {@code probe: cpus=} console line, which both have;
     * {@code coldProbeLineMs} is that of the run's very first boot (first warm-up: cold JIT / page cache).
     */
    public record Boot(int asked, Optional<Summary> bootTimer, Optional<Summary> probeLine,
                       Optional<Double> coldProbeLineMs, List<String> failures) {
        public Boot {
            failures = List.copyOf(failures);
        }
    }

    /**
     * K idle VMs at once. Per VM, in MiB: host memory beyond guest RAM by RSS and by PSS, the guest RAM
     * that was resident, and (Flotilla only) the Java heap retained after a full GC.
     */
    public record Memory(int vms, double rssBeyondGuestMib, double pssBeyondGuestMib, double guestResidentMib,
                         OptionalDouble heapMib, List<String> failures) {
        public Memory {
            failures = List.copyOf(failures);
        }
    }

    /**
     * B VMs asked for at once; arrivals are in ms from the first request. {@code timeline} (Flotilla only)
     * says where each VM's time went, from its own request. {@code cpuMsPerVm}: host CPU time of the
     * whole burst (Flotilla: this JVM, guest emulation included; QEMU: the reaped processes) over B.
     */
    public record Burst(int asked, Optional<Arrival> bootTimer, Optional<Arrival> probeLine,
                        Optional<FlotillaTimeline> timeline, double cpuMsPerVm, List<String> failures) {
        public Burst {
            failures = List.copyOf(failures);
        }
    }

    /** How many of a burst reached a point, and when the first and the last did. */
    public record Arrival(int count, double firstMs, double lastMs) {
        /** VMs per second: those that arrived over the time until the last one did. */
        public double perSecond() {
            return lastMs <= 0 ? 0 : count / (lastMs / 1000.0);
        }
    }

    /** Where Flotilla's boot time goes, from timestamps taken around VmBuilder and at the boot timer. */
    public record FlotillaTimeline(Summary toBuildStart, Summary build, Summary buildEndToBootTimer,
                                   Summary actorBootMs) {}

    /**
     * One set-up phase of a VM, timed by calling the kvm-native / boot APIs directly: wall-clock
     * milliseconds, and the median of the calling thread's CPU milliseconds in it.
     */
    public record Phase(String name, Summary ms, double cpuMedianMs) {}
}
