package dev.flotilla.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flotilla.kvm.Kvm;
import dev.flotilla.kvm.KvmAvailability;
import dev.flotilla.ops.ProbeGuestImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

/** A small benchmark run on the real /dev/kvm: every phase completes and its numbers are coherent. */
class BootBenchIT {

    @Test
    void smallRunBootsEveryVmAndReportsCoherentNumbers() throws Exception {
        KvmAvailability kvm = Kvm.availability();
        if (!kvm.usable()) System.err.println("SKIPPING KVM integration test: " + kvm.describe());
        assumeTrue(kvm.usable(), () -> "no usable /dev/kvm: " + kvm.describe());
        boolean qemu = new ProcessBuilder("qemu-system-x86_64", "--version").start().waitFor() == 0;
        if (!qemu) System.err.println("BootBenchIT: qemu-system-x86_64 not found, running the Flotilla side only");

        BenchOptions o = new BenchOptions(3, 1, 4, 2, 1, 128, !qemu, 2, "qemu-system-x86_64");
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        BenchReport r = new BootBench(o, ProbeGuestImage.path(), new Progress(new PrintStream(progress, true))).run();

        BenchReport.Peer f = r.flotilla();
        assertTrue(f.boot().failures().isEmpty(), () -> f.boot().failures().toString());
        Summary bootTimer = f.boot().bootTimer().orElseThrow();
        Summary line = f.boot().probeLine().orElseThrow();
        assertEquals(3, bootTimer.count());
        // the probe prints its cpus= line just before it writes the boot timer
        assertTrue(line.median() <= bootTimer.median(), line + " vs " + bootTimer);
        BenchReport.Memory m = f.memory().orElseThrow();
        assertTrue(m.failures().isEmpty(), m.failures()::toString);
        assertTrue(m.guestResidentMib() > 0 && m.guestResidentMib() < 128, "guest pages resident: " + m.guestResidentMib());
        BenchReport.Burst b = f.burst().orElseThrow();
        assertTrue(b.failures().isEmpty(), b.failures()::toString);
        assertEquals(4, b.bootTimer().orElseThrow().count());
        assertTrue(r.phases().stream().anyMatch(p -> p.name().equals("KVM_CREATE_VM") && p.ms().count() == 2));
        if (qemu) {
            BenchReport.Peer q = r.qemu().orElseThrow();
            assertTrue(q.boot().failures().isEmpty(), () -> q.boot().failures().toString());
            assertEquals(3, q.boot().probeLine().orElseThrow().count());
            BenchReport.Memory qm = q.memory().orElseThrow();
            assertTrue(qm.failures().isEmpty(), qm.failures()::toString);
            assertTrue(qm.rssBeyondGuestMib() > 1, "a QEMU process holds more than 1 MiB: " + qm.rssBeyondGuestMib());
            assertEquals(4, q.burst().orElseThrow().probeLine().orElseThrow().count());
        }
        String table = ReportTable.format(r);
        assertTrue(table.contains("| boot: failed / asked"), table);
        assertTrue(progress.toString().contains("sequential boots"), progress::toString);
    }
}
