package dev.flotilla.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flotilla.kvm.Kvm;
import dev.flotilla.kvm.KvmAvailability;
import dev.flotilla.ops.ProbeGuestImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A one-second devices benchmark on the real /dev/kvm: both block workloads (and net, when this host
 * has root and /dev/net/tun) measured on each peer, with CPU figures that add up.
 */
class DevicesBenchIT {

    @Test
    void oneShortRoundMeasuresEveryWorkloadOnBothPeers() throws Exception {
        KvmAvailability kvm = Kvm.availability();
        if (!kvm.usable()) System.err.println("SKIPPING KVM integration test: " + kvm.describe());
        assumeTrue(kvm.usable(), () -> "no usable /dev/kvm: " + kvm.describe());
        boolean qemu = new ProcessBuilder("qemu-system-x86_64", "--version").start().waitFor() == 0;
        if (!qemu) System.err.println("DevicesBenchIT: qemu-system-x86_64 not found, running the Flotilla side only");
        boolean net = NetNamespace.unavailable().isEmpty();
        if (!net) System.err.println("DevicesBenchIT: net part skipped: " + NetNamespace.unavailable().get());

        DevicesOptions o = new DevicesOptions(1, 1, 8, 8, !qemu, false, !net, "qemu-system-x86_64");
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        DevicesReport r = new DevicesBench(o, ProbeGuestImage.path(), new Progress(new PrintStream(progress, true))).run();

        assertTrue(r.failures().isEmpty(), () -> r.failures() + "\n" + progress);
        List<Workload> expected = net ? List.of(Workload.values()) : List.of(Workload.BLOCK_RANDOM, Workload.BLOCK_SEQUENTIAL);
        for (Workload w : expected) {
            check(w, r.flotilla().get(w));
            if (qemu) check(w, r.qemu().orElseThrow().get(w));
        }
        DeviceSample seq = r.flotilla().get(Workload.BLOCK_SEQUENTIAL).get(0);
        assertEquals(seq.requests() * (1 << 20), seq.bytes(), "1 MiB per sequential read");
        String table = DevicesTable.format(r);
        assertTrue(table.contains("| block 4 KiB random reads: reads/s"), table);
        assertTrue(NetNamespace.run("ip", "netns", "list").lines().noneMatch(l -> l.startsWith("flbench-")),
                "every namespace of the benchmark was deleted");
    }

    private static void check(Workload w, List<DeviceSample> samples) {
        assertEquals(1, samples == null ? 0 : samples.size(), w + ": one sample per round");
        DeviceSample s = samples.get(0);
        // the round measured something; how much is the benchmark's figure, not a pass mark (load sets it)
        assertTrue(s.requests() > 0, w + ": requests " + s.requests());
        CpuCost c = s.cost().orElseThrow(() -> new AssertionError(w + ": no CPU reading"));
        assertTrue(c.device() > 0 && c.device() <= c.processMinusVcpu() + 1e-6 && c.processMinusVcpu() < c.process(),
                w + ": device ≤ process − vCPU < process: " + c);
    }
}
