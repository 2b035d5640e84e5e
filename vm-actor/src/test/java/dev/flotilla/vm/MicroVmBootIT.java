package dev.flotilla.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.pattern.StatusReply;
import dev.flotilla.kvm.Kvm;
import dev.flotilla.kvm.x86.boot.BootProtocol;
import dev.flotilla.vm.config.BootSource;
import dev.flotilla.vm.config.CpuTemplate;
import dev.flotilla.vm.config.HugePages;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.VmSpec;
import dev.flotilla.vm.console.ConsoleSink;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Boots the probe guest on the real /dev/bed.kvm() through the MicroVm actor. */
class MicroVmBootIT {

    private static final AtomicInteger ids = new AtomicInteger();
    @RegisterExtension
    static final KvmTestBed bed = new KvmTestBed();

    /** A started VM, its console and its actor. */
    record Booted(ActorRef<MicroVm.Command> vm, ConsoleSink console, VmInfo started) {}

    static Booted start(int vcpus, long memMib, String cmdline, BootProtocol protocol) {
        return start(vcpus, memMib, cmdline, protocol, dev.flotilla.vm.config.VmDevices.NONE);
    }

    static Booted start(int vcpus, long memMib, String cmdline, BootProtocol protocol,
                        dev.flotilla.vm.config.VmDevices devices) {
        String id = "it-" + ids.incrementAndGet();
        VmSpec spec = new VmSpec(id, new MachineConfig(vcpus, memMib, false, CpuTemplate.NONE, false, HugePages.NONE),
                new BootSource(ProbeGuest.elf(), Optional.empty(), cmdline), devices);
        KvmTestBed.Started s = bed.start(spec, protocol);
        return new Booted(s.vm(), s.console(), s.info());
    }

    static VmInfo awaitEnd(ActorRef<MicroVm.Command> vm, Duration timeout) {
        return bed.awaitEnd(vm, timeout);
    }

    @ParameterizedTest(name = "{0} vCPUs, {1} MiB, {2}")
    @CsvSource({"1, 128, LINUX_64", "1, 128, PVH", "4, 128, AUTO", "4, 4096, LINUX_64", "2, 4096, PVH"})
    void probeGuestReportsItsCpusAndMemoryAndResets(int vcpus, long memMib, BootProtocol protocol) throws Exception {
        Booted b = start(vcpus, memMib, "console=ttyS0", protocol);
        VmInfo end = awaitEnd(b.vm(), Duration.ofSeconds(20));
        String console = b.console().snapshot();
        assertTrue(console.contains("probe: cpus=" + vcpus + " mem_mib=" + memMib),
                () -> "console was:\n" + console);
        assertEquals(EndReason.Kind.RESET, end.endReason().kind(), () -> end + "\nconsole:\n" + console);
        assertEquals(VmState.STOPPED, end.state());
        assertTrue(end.bootMs() > 0 && end.bootMs() < 10_000, "boot time recorded: " + end.bootMs());
        String expectedBoot = protocol == BootProtocol.LINUX_64 ? "boot=linux64" : "boot=pvh";
        assertTrue(console.contains(expectedBoot), () -> "console was:\n" + console);
    }

    @Test
    void guestFindsAVirtioDeviceInItsSlot() throws Exception {
        var devices = new dev.flotilla.vm.config.VmDevices(java.util.List.of(), java.util.List.of(), Optional.empty(),
                Optional.of(new dev.flotilla.vm.config.EntropyConfig(Optional.empty())), Optional.empty());
        Booted b = start(1, 128, "console=ttyS0", BootProtocol.AUTO, devices);
        VmInfo end = awaitEnd(b.vm(), Duration.ofSeconds(20));
        String console = b.console().snapshot();
        assertEquals(EndReason.Kind.RESET, end.endReason().kind(), () -> end + "\n" + console);
        assertTrue(console.contains("base=0xc0001000") && console.contains("irq=5") && console.contains("device_id=4"),
                () -> "the probe should see virtio-rng in slot 0:\n" + console);
    }

    @Test
    void pauseResumeAndStopAHoldingGuest() throws Exception {
        Booted b = start(2, 128, "console=ttyS0 probe.hold", BootProtocol.AUTO);
        b.console().awaitLine(l -> l.contains("probe: holding")).get(20, TimeUnit.SECONDS);
        TestProbe<StatusReply<VmInfo>> reply = bed.testKit().createTestProbe();

        b.vm().tell(new MicroVm.Pause(reply.getRef()));
        StatusReply<VmInfo> paused = reply.receiveMessage(Duration.ofSeconds(5));
        assertTrue(paused.isSuccess(), () -> "pause: " + paused.getError());
        assertEquals(VmState.PAUSED, paused.getValue().state());

        b.vm().tell(new MicroVm.Resume(reply.getRef()));
        StatusReply<VmInfo> resumed = reply.receiveMessage(Duration.ofSeconds(5));
        assertTrue(resumed.isSuccess(), () -> "resume: " + resumed.getError());
        assertEquals(VmState.RUNNING, resumed.getValue().state());

        b.vm().tell(new MicroVm.Stop(EndReason.of(EndReason.Kind.STOPPED, "test"), reply.getRef()));
        StatusReply<VmInfo> stopped = reply.receiveMessage(Duration.ofSeconds(5));
        assertTrue(stopped.isSuccess());
        assertEquals(VmState.STOPPED, stopped.getValue().state());
        assertEquals(EndReason.Kind.STOPPED, stopped.getValue().endReason().kind());
    }

    @Test
    void unsupportedInstructionEndsTheVmWithItsBytes() throws Exception {
        Booted b = start(1, 128, "console=ttyS0 probe.fault", BootProtocol.AUTO);
        VmInfo end = awaitEnd(b.vm(), Duration.ofSeconds(20));
        if (Kvm.availability().status() == dev.flotilla.kvm.KvmAvailability.Status.PVM) {
            assertEquals(EndReason.Kind.EMULATION_FAILURE, end.endReason().kind(), end::toString);
            assertTrue(end.endReason().detail().contains("f3 48 0f b8 c0"), end::toString);
            assertEquals(VmState.FAILED, end.state());
        } else {
            // with hardware virtualization popcnt simply runs and the guest resets
            assertTrue(b.console().snapshot().contains("probe: fault survived"));
        }
    }
}
