package dev.flotilla.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class ReportTableTest {

    static final MachineInfo MACHINE = new MachineInfo("Test CPU", 2, "Linux 6.1", "PVM: kvm_pvm", "QEMU 7.2", "Java 17", "1.0 1.0 1.0");

    static BenchReport report(boolean withQemu) {
        BenchReport.Peer f = new BenchReport.Peer("Flotilla",
                new BenchReport.Boot(50, Optional.of(new Summary(50, 8.0, 10.0, 12.5, 30.0)),
                        Optional.of(new Summary(50, 7.9, 9.9, 12.4, 29.9)), Optional.of(80.0), List.of()),
                Optional.of(new BenchReport.Memory(20, 0.5, 0.45, 0.08, OptionalDouble.of(0.07), List.of())),
                Optional.of(new BenchReport.Burst(100, Optional.of(new BenchReport.Arrival(100, 20.0, 500.0)),
                        Optional.of(new BenchReport.Arrival(100, 19.0, 499.0)),
                        Optional.of(new BenchReport.FlotillaTimeline(new Summary(100, 1, 40, 80, 90), new Summary(100, 5, 6, 7, 8),
                                new Summary(100, 1, 3, 5, 7), new Summary(100, 7, 9, 11, 13))), 6.5, List.of())));
        BenchReport.Peer q = new BenchReport.Peer("QEMU microvm",
                new BenchReport.Boot(50, Optional.empty(), Optional.of(new Summary(49, 40.0, 45.0, 60.0, 70.0)), Optional.of(90.0),
                        List.of("qemu pid 7: no probe line, exit 1; output tail: boom")),
                Optional.of(new BenchReport.Memory(20, 33.0, 19.0, 2.0, OptionalDouble.empty(), List.of())),
                Optional.of(new BenchReport.Burst(100, Optional.empty(),
                        Optional.of(new BenchReport.Arrival(100, 200.0, 4000.0)), Optional.empty(), 30.25, List.of())));
        return new BenchReport(MACHINE, BenchOptions.defaults(), "/x/probe.elf", f,
                withQemu ? Optional.of(q) : Optional.empty(),
                Optional.of(new BenchReport.FlotillaTimeline(new Summary(50, 1, 2, 3, 4), new Summary(50, 5, 6, 7, 8),
                        new Summary(50, 1, 3, 5, 7), new Summary(50, 7, 9, 11, 13))),
                List.of(new BenchReport.Phase("KVM_CREATE_VM", new Summary(20, 0.3, 0.35, 0.4, 0.5), 0.05)));
    }

    @Test
    void putsBothPeersSideBySideWithMachineInfoOnTop() {
        String out = ReportTable.format(report(true));
        assertTrue(out.startsWith("flotilla bench boot: probe guest /x/probe.elf, 1 vCPU, 128 MiB; N=50"), out);
        assertTrue(out.contains("machine: Test CPU, 2 cores, Linux 6.1"), out);
        assertTrue(out.contains("kvm:     PVM: kvm_pvm"), out);
        assertTrue(out.contains("qemu:    QEMU 7.2"), out);
        assertTrue(row(out, "boot: request → boot-timer write, median / p95 ms").matches(
                "\\| .* \\| 10\\.0 / 12\\.5 +\\| — \\(no boot-timer device\\) +\\|"), out);
        assertTrue(row(out, "boot: request → \"probe: cpus=\" line, median / p95 ms").contains("| 9.90 / 12.4"), out);
        assertTrue(row(out, "boot: request → \"probe: cpus=\" line, median / p95 ms").contains("| 45.0 / 60.0"), out);
        assertTrue(row(out, "boot: failed / asked").contains("| 0 / 50 "), out);
        assertTrue(row(out, "boot: failed / asked").contains("| 1 / 50 "), out);
        assertTrue(row(out, "memory per VM beyond guest RAM, RSS-based").contains("| 0.50 "), out);
        assertTrue(row(out, "memory per VM beyond guest RAM, RSS-based").contains("| 33.00 "), out);
        assertTrue(row(out, "memory per VM beyond guest RAM, PSS-based").contains("| 19.00 "), out);
        // 100 VMs, last at 500 ms → 200 VMs/s; QEMU 100 in 4 s → 25 VMs/s
        assertTrue(row(out, "burst: VMs/s to boot-timer write").contains("| 200.0 (20.0 / 500) "), out);
        assertTrue(row(out, "burst: VMs/s to probe line").contains("| 25.0 (200 / 4000) "), out);
        assertTrue(row(out, "first boot of the run (cold)").contains("| 80.0 ") && row(out, "first boot of the run (cold)").contains("| 90.0 "), out);
        assertTrue(row(out, "burst: host CPU per VM, ms").contains("| 6.50 ") && row(out, "burst: host CPU per VM, ms").contains("| 30.3 "), out);
        assertTrue(row(out, "KVM_CREATE_VM").endsWith("| 0.05          |"), out);
        assertTrue(row(out, "request → VmBuilder starts").contains("| 2.00 / 3.00 "), out);
        assertTrue(row(out, "request → VmBuilder starts").contains("| 40.0 / 80.0 "), out);
        assertTrue(out.contains("QEMU failures (1; first 5):\n  qemu pid 7: no probe line"), out);
    }

    @Test
    void withoutQemuItsColumnSaysSkipped() {
        String out = ReportTable.format(report(false));
        assertTrue(row(out, "boot: request → \"probe: cpus=\" line, median / p95 ms").trim().endsWith("| skipped                |"), out);
        assertTrue(!out.contains("QEMU failures"), out);
    }

    @Test
    void millisecondsKeepThreeSignificantDigits() {
        assertEquals("1.23", ReportTable.ms(1.234));
        assertEquals("12.3", ReportTable.ms(12.34));
        assertEquals("123", ReportTable.ms(123.4));
    }

    @Test
    void burstRateIsArrivalsOverTheTimeToTheLast() {
        assertEquals(200.0, new BenchReport.Arrival(100, 1, 500).perSecond(), 1e-9);
        assertEquals(0.0, new BenchReport.Arrival(0, 0, 0).perSecond());
    }

    @Test
    void arrivalTakesFirstAndLastInstantFromTheRequest() {
        long t0 = 1_000_000_000L;
        BenchReport.Arrival a = FlotillaRuns.arrival(List.of(t0 + 30_000_000L, t0 + 10_000_000L, t0 + 20_000_000L), t0)
                .orElseThrow();
        assertEquals(3, a.count());
        assertEquals(10.0, a.firstMs(), 1e-9);
        assertEquals(30.0, a.lastMs(), 1e-9);
        assertTrue(FlotillaRuns.arrival(List.of(), t0).isEmpty());
    }

    private static String row(String table, String label) {
        return table.lines().filter(l -> l.startsWith("| " + label)).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + label + " in\n" + table));
    }
}
