package dev.flotilla.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.pattern.StatusReply;
import dev.flotilla.kvm.x86.boot.BootProtocol;
import dev.flotilla.vm.config.BootSource;
import dev.flotilla.vm.config.CpuTemplate;
import dev.flotilla.vm.config.DriveConfig;
import dev.flotilla.vm.config.HugePages;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.VmDevices;
import dev.flotilla.vm.config.VmSpec;
import dev.flotilla.vm.console.ConsoleSink;
import dev.flotilla.vm.devices.block.VirtioBlock;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
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
        // The VM as VmBuilder makes it, with one more owned handle put first: its close is the first release
        // step after the VM's threads are meant to have ended, and records which are alive at that moment.
        AtomicReference<List<String>> aliveAtRelease = new AtomicReference<>();
        AtomicReference<VmResources> built = new AtomicReference<>();
        ConsoleSink console = ConsoleSink.inMemory();
        ActorRef<MicroVm.Command> vm = bed.testKit().spawn(MicroVm.create(id, 1, 128, hooks -> {
            VmResources r = VmBuilder.build(bed.kvm(), spec, BootProtocol.AUTO, console, hooks);
            List<AutoCloseable> owned = new ArrayList<>();
            owned.add(() -> aliveAtRelease.set(threadsOf(id).stream().map(Thread::getName).toList()));
            owned.addAll(r.owned());
            VmResources withProbe = new VmResources(r.vm(), r.memory(), r.vcpus(), r.pio(), r.mmio(), r.console(),
                    r.i8042(), r.bootSummary(), owned, r.devices());
            built.set(withProbe);
            return withProbe;
        }), id);
        TestProbe<StatusReply<VmInfo>> started = bed.testKit().createTestProbe();
        vm.tell(new MicroVm.Start(started.getRef()));
        assertTrue(started.receiveMessage(Duration.ofSeconds(60)).isSuccess());
        VirtioBlock drive = (VirtioBlock) built.get().devices().get(0).device();
        List<Throwable> workerFailures = new CopyOnWriteArrayList<>();
        drive.onFailure((name, t) -> workerFailures.add(t));

        await(() -> console.snapshot().contains("probe: blkhog: busy"), Duration.ofSeconds(60), "the guest filled the queue");
        await(() -> drive.metrics().reads() >= 1, Duration.ofSeconds(60), "the worker served a hostile read");
        assertEquals(1, threadsOf(id).size(), "the block worker is busy with the guest's requests");

        TestProbe<StatusReply<VmInfo>> reply = bed.testKit().createTestProbe();
        vm.tell(new MicroVm.Stop(EndReason.of(EndReason.Kind.STOPPED, "test done"), reply.getRef()));
        StatusReply<VmInfo> ended = reply.receiveMessage(Duration.ofSeconds(120));

        List<Thread> aliveWhenEnded = threadsOf(id);
        assertTrue(ended.isSuccess() && ended.getValue().ended(), () -> "stop answered " + ended);
        assertEquals(List.of(), aliveAtRelease.get(), "every device thread had ended before the VM's fds were closed");
        // whatever a thread left running does next (served from freed buffers, unmapped RAM) shows in its failures
        await(() -> threadsOf(id).isEmpty(), Duration.ofSeconds(120), "every device thread of the VM has ended");
        assertEquals(List.of(), workerFailures, "the worker never met a freed buffer or unmapped guest RAM");
        assertEquals(0, drive.metrics().ioErrorsTotal(), "no guest read failed against freed memory");
        assertEquals(List.of(), aliveWhenEnded, "no device thread of the VM outlives its release");
    }
}
