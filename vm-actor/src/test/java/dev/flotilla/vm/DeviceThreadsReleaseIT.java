package dev.flotilla.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.pattern.StatusReply;
import dev.flotilla.kvm.x86.boot.BootProtocol;
import dev.flotilla.vm.config.BootSource;
import dev.flotilla.vm.config.CpuTemplate;
import dev.flotilla.vm.config.DriveConfig;
import dev.flotilla.vm.config.HugePages;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.VmDevices;
import dev.flotilla.vm.config.VmSpec;
import dev.flotilla.vm.devices.block.VirtioBlock;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM is released (guest RAM unmapped, fds closed) only after every one of its threads has ended, even
 * while a hostile guest keeps a device worker busy: on the real /dev/kvm, with the probe guest's
 * {@code blkhog} (every queue entry a ~2 GiB read through aliased descriptors, re-submitted at once).
 */
class DeviceThreadsReleaseIT {

    @RegisterExtension
    static final KvmTestBed bed = new KvmTestBed();

    @TempDir
    Path dir;

    private static List<Thread> threadsOf(String vmId) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("virtio-" + vmId + "-")).toList();
    }

    private static void await(BooleanSupplier condition, Duration limit, String what) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) throw new AssertionError("timed out waiting until " + what);
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    @Test
    void aVmWhoseBlockWorkerIsBusyEndsOnlyAfterItsDeviceThreadsEnded() throws Exception {
        Path disk = dir.resolve("hog.img");
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(4L << 30);   // sparse: reads of holes cost the host CPU, not disk
        }
        String id = "hog-it-1";
        VmDevices devices = new VmDevices(List.of(new DriveConfig("hog", disk, false, false, Optional.empty(), Optional.empty())),
                List.of(), Optional.empty(), Optional.empty(), Optional.empty());
        VmSpec spec = new VmSpec(id, new MachineConfig(1, 128, false, CpuTemplate.NONE, false, HugePages.NONE),
                new BootSource(ProbeGuest.elf(), Optional.empty(), "console=ttyS0 probe.run=blkhog"), devices);
        KvmTestBed.Started vm = bed.start(spec, BootProtocol.AUTO);
        VirtioBlock drive = (VirtioBlock) vm.resources().get().devices().get(0).device();

        await(() -> vm.console().snapshot().contains("probe: blkhog: busy"), Duration.ofSeconds(60), "the guest filled the queue");
        await(() -> drive.metrics().reads() >= 1, Duration.ofSeconds(60), "the worker served a hostile read");
        assertEquals(1, threadsOf(id).size(), "the block worker is busy with the guest's requests");

        TestProbe<StatusReply<VmInfo>> reply = bed.testKit().createTestProbe();
        vm.vm().tell(new MicroVm.Stop(EndReason.of(EndReason.Kind.STOPPED, "test done"), reply.getRef()));
        StatusReply<VmInfo> ended = reply.receiveMessage(Duration.ofSeconds(120));

        assertTrue(ended.isSuccess() && ended.getValue().ended(), () -> "stop answered " + ended);
        assertEquals(List.of(), threadsOf(id), "no device thread of the VM outlives its release");
    }
}
