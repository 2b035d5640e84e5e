package dev.flotilla.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorRef;
import dev.flotilla.kvm.memory.GuestMemory;
import dev.flotilla.kvm.x86.boot.BootProtocol;
import dev.flotilla.vm.config.BalloonConfig;
import dev.flotilla.vm.config.BootSource;
import dev.flotilla.vm.config.CpuTemplate;
import dev.flotilla.vm.config.HugePages;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.VmDevices;
import dev.flotilla.vm.config.VmSpec;
import dev.flotilla.vm.console.ConsoleSink;
import dev.flotilla.vm.devices.balloon.BalloonStatistics;
import dev.flotilla.vm.devices.balloon.VirtioBalloon;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * virtio-balloon on the real /dev/bed.kvm() with the probe guest: the guest touches 96 MiB, inflates the balloon
 * to its target, and the resident size of the VM's guest-RAM mapping (from /proc/self/smaps) drops by the
 * balloon's size, because the device madvises the inflated pages away.
 */
class VirtioBalloonIT {

    private static final long MEM_MIB = 160;
    @RegisterExtension
    static final KvmTestBed bed = new KvmTestBed();

    record Booted(ActorRef<MicroVm.Command> vm, ConsoleSink console, VmResources resources) {
        VirtioBalloon balloon() {
            return resources.devices().stream().filter(d -> d.kind().equals("balloon"))
                    .map(d -> (VirtioBalloon) d.device()).findFirst().orElseThrow();
        }

        /** Resident KiB of the guest RAM mapping. */
        long guestRssKib() throws IOException {
            GuestMemory.Region low = resources.memory().regions().get(0);
            String start = Long.toHexString(resources.memory().hostAddress(low));
            List<String> smaps = Files.readAllLines(Path.of("/proc/self/smaps"));
            for (int i = 0; i < smaps.size(); i++) {
                if (smaps.get(i).startsWith(start + "-")) {
                    for (int j = i + 1; j < smaps.size(); j++) {
                        String l = smaps.get(j);
                        if (l.startsWith("Rss:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
                    }
                }
            }
            throw new AssertionError("no mapping at 0x" + start + " in /proc/self/smaps");
        }
    }

    static Booted start(String id, String cmdline, BalloonConfig balloon) {
        VmSpec spec = new VmSpec(id, new MachineConfig(1, MEM_MIB, false, CpuTemplate.NONE, false, HugePages.NONE),
                new BootSource(ProbeGuest.elf(), Optional.empty(), cmdline),
                new VmDevices(List.of(), List.of(), Optional.empty(), Optional.empty(), Optional.of(balloon)));
        KvmTestBed.Started s = bed.start(spec, BootProtocol.AUTO);
        return new Booted(s.vm(), s.console(), s.resources().get());
    }

    static void stop(Booted b) {
        bed.stop(b.vm());
    }

    @Test
    void inflatingToTheBootTargetLowersTheResidentSize() throws Exception {
        Booted b = start("balloon-boot", "console=ttyS0 probe.touch=96 probe.run=balloon probe.hold",
                new BalloonConfig(64, false, 0));
        try {
            String touched = b.console().awaitLine(l -> l.startsWith("probe: touched")).get(30, TimeUnit.SECONDS);
            String result = b.console().awaitLine(l -> l.startsWith("probe: run balloon ")).get(60, TimeUnit.SECONDS);
            assertEquals("probe: run balloon ok target_pages=16384 inflated=16384", result.strip(), b.console()::snapshot);
            VirtioBalloon balloon = b.balloon();
            awaitActual(balloon, 16384);
            long rss = b.guestRssKib();
            System.out.println("balloon IT (boot target 64 MiB): " + touched.strip() + "; guest RAM resident after inflate "
                    + rss / 1024 + " MiB; released " + balloon.inflatedPages() + " pages, invalid " + balloon.invalidPfns());
            assertEquals(16384, balloon.inflatedPages());
            assertEquals(0, balloon.invalidPfns());
            // 96 MiB were touched; with 64 MiB given back about 32 MiB (+ the probe image) stay resident
            assertTrue(rss < 48 * 1024, "guest RAM resident " + rss + " KiB after inflating 64 of 96 touched MiB");
        } finally {
            stop(b);
        }
    }

    @Test
    void aNewTargetWhileRunningIsInflatedAndTheResidentSizeDrops() throws Exception {
        Booted b = start("balloon-patch", "console=ttyS0 probe.touch=96 probe.run=balloon,balloonwait "
                + "probe.balloon.wait_ms=60000 probe.hold", new BalloonConfig(0, true, 1));
        try {
            b.console().awaitLine(l -> l.startsWith("probe: balloonwait: waiting")).get(60, TimeUnit.SECONDS);
            VirtioBalloon balloon = b.balloon();
            long before = b.guestRssKib();
            assertTrue(before >= 96 * 1024, "the touched 96 MiB are resident: " + before + " KiB");

            balloon.setTargetMib(64);   // Firecracker's PATCH /balloon
            String result = b.console().awaitLine(l -> l.startsWith("probe: run balloonwait ")).get(60, TimeUnit.SECONDS);
            assertEquals("probe: run balloonwait ok target_pages=16384 inflated=16384", result.strip(), b.console()::snapshot);
            awaitActual(balloon, 16384);
            long after = b.guestRssKib();
            System.out.println("balloon IT (PATCH to 64 MiB): guest RAM resident " + before / 1024 + " MiB -> "
                    + after / 1024 + " MiB");
            assertTrue(before - after >= 60 * 1024, "resident size fell by " + (before - after) + " KiB, expected ~64 MiB");

            BalloonStatistics stats = balloon.statistics().orElseThrow();
            assertEquals(64, stats.targetMib());
            assertEquals(64, stats.actualMib());
            assertTrue(balloon.statsReports() >= 1, "the guest posted its statistics");
            assertTrue(stats.guest().totalMemory().isPresent(), "total memory reported: " + stats);
            System.out.println("balloon IT statistics: " + stats);
        } finally {
            stop(b);
        }
    }

    private static void awaitActual(VirtioBalloon balloon, long pages) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (balloon.actualPages() != pages && System.nanoTime() < end) Thread.sleep(10);
        assertEquals(pages, balloon.actualPages(), "the guest reports the balloon's size in actual");
    }
}
