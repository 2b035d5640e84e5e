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
     * {@code probeLine} is the time to the probe's {@code probe: cpus=} console line, which both have.
     */
    public record Boot(int asked, Optional<Summary> bootTimer, Optional<Summary> probeLine, List<String> failures) {
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

    /** B VMs asked for at once; latencies are from the first request, in ms. */
    public record Burst(int asked, Optional<Arrival> bootTimer, Optional<Arrival> probeLine, List<String> failures) {
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

    /** One set-up phase of a VM, timed by calling the kvm-native / boot APIs directly. */
    public record Phase(String name, Summary ms) {}
}
