package dev.flotilla.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.pattern.StatusReply;
import dev.flotilla.kvm.Kvm;
import dev.flotilla.kvm.KvmAvailability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One VM's failure ends that VM only. While probe guests hold, other VMs fail in every way this layer
 * knows (the guest runs an instruction KVM cannot emulate; the kernel file is garbage, a truncated or
 * corrupted ELF, empty, or missing); afterwards the held VMs are still running, pause, resume and stop
 * normally, the failed ones released everything, and a new VM boots.
 */
class MicroVmIsolationIT {

    private static final long TIMEOUT_S = 20;
    private static final AtomicInteger ids = new AtomicInteger();
    @RegisterExtension
    static final KvmTestBed bed = new KvmTestBed();

    @TempDir
    static Path tmp;

    private static String nextId(String kind) {
        return kind + "-" + ids.incrementAndGet();
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    /** A VM that should fail, what its end must say, and whether its build (rather than its guest) fails. */
    record Failing(ProbeVm vm, String why, boolean buildFails, List<String> messageMustContain) {}

    @Test
    void failingVmsEndAloneWhileHeldVmsKeepRunning() throws Exception {
        List<ProbeVm> held = new ArrayList<>();
        for (int vcpus : new int[] {1, 2, 2}) {
            ProbeVm vm = ProbeVm.spawnProbe(bed.testKit(), bed.kvm(), nextId("held"), vcpus, "console=ttyS0 probe.hold");
            assertTrue(await(vm.start()).isSuccess());
            held.add(vm);
        }
        for (ProbeVm vm : held) await(vm.line("probe: holding"));
        ProcessFootprint before = ProcessFootprint.measure();
        Map<String, Integer> vmFdsBefore = ProcessFootprint.vmFdKinds();

        List<Failing> failing = failingVms();
        List<CompletableFuture<StatusReply<VmInfo>>> starts = new ArrayList<>();
        List<CompletableFuture<VmInfo>> ends = new ArrayList<>();
        for (Failing f : failing) {
            ends.add(f.vm().end());
            starts.add(f.vm().start());
        }
        for (int i = 0; i < failing.size(); i++) {
            Failing f = failing.get(i);
            StatusReply<VmInfo> start = await(starts.get(i));
            VmInfo end = await(ends.get(i));
            System.out.println("isolation: " + f.why() + " -> " + end.state() + " / " + end.endReason());
            assertEquals(VmState.FAILED, end.state(), () -> f.why() + ": " + end);
            if (f.buildFails()) {
                assertFalse(start.isSuccess(), () -> f.why() + ": start should fail");
                assertEquals(EndReason.Kind.INVALID_CONFIG, end.endReason().kind(), () -> f.why() + ": " + end);
                assertEquals(end.endReason().toString(), start.getError().getMessage(),
                        "the Start error is the end reason");
                assertEquals("", end.bootSummary(), "a VM that was never built has no boot summary");
            }
            for (String part : f.messageMustContain()) {
                assertTrue(end.endReason().detail().contains(part),
                        () -> f.why() + ": reason should contain '" + part + "': " + end.endReason());
            }
        }

        // the held VMs did not notice
        for (ProbeVm vm : held) {
            VmInfo info = await(vm.info());
            assertEquals(VmState.RUNNING, info.state(), () -> vm.id() + " after the failures: " + info);
            assertEquals(1, vm.console().snapshot().split("probe: holding", -1).length - 1,
                    () -> vm.id() + " printed more than it should:\n" + vm.console().snapshot());
        }
        assertEquals(held.stream().mapToInt(v -> v.built().get().vcpus().size()).sum(),
                ProcessFootprint.awaitVcpuThreads(held.stream().mapToInt(v -> v.built().get().vcpus().size()).sum(),
                        java.time.Duration.ofSeconds(5)),
                "vCPU threads left: exactly the held VMs'");
        ProcessFootprint after = ProcessFootprint.measure();
        // exactly the VM-owned kinds: the JVM may open a jar meanwhile (a class first needed on a failure path)
        assertEquals(vmFdsBefore, ProcessFootprint.vmFdKinds(), () -> "the failed VMs left fds open; all fds: "
                + ProcessFootprint.fdKinds());
        assertEquals(before.kvmRunMappings(), after.kvmRunMappings(), "the failed VMs left kvm_run mapped");
        System.out.println("isolation: before " + before.describe() + "\nisolation: after  " + after.describe());
        // one leaked guest RAM mapping adds 128 MiB of address space; a new malloc arena (64 MiB) is allowed
        assertTrue(after.virtualKib() - before.virtualKib() < 128 * 1024,
                () -> "address space grew by " + (after.virtualKib() - before.virtualKib()) / 1024 + " MiB");
        List<String> maps = ProcessFootprint.maps();
        for (Failing f : failing) {
            for (ProcessFootprint.HostRange r : f.vm().guestRam()) {
                assertFalse(ProcessFootprint.isMappedReadWrite(r, maps), () -> f.why() + ": guest RAM still mapped");
            }
        }

        // and still do everything a VM does
        for (ProbeVm vm : held) {
            StatusReply<VmInfo> paused = await(vm.pause());
            assertTrue(paused.isSuccess() && paused.getValue().state() == VmState.PAUSED, () -> vm.id() + " pause: " + paused);
            StatusReply<VmInfo> resumed = await(vm.resume());
            assertTrue(resumed.isSuccess() && resumed.getValue().state() == VmState.RUNNING, () -> vm.id() + " resume: " + resumed);
            StatusReply<VmInfo> stopped = await(vm.stop());
            assertTrue(stopped.isSuccess(), () -> vm.id() + " stop: " + stopped);
            assertEquals(VmState.STOPPED, stopped.getValue().state());
            assertEquals(EndReason.Kind.STOPPED, stopped.getValue().endReason().kind());
        }

        // the JVM and KVM still run new guests to their end
        ProbeVm fresh = ProbeVm.spawnProbe(bed.testKit(), bed.kvm(), nextId("fresh"), 2, "console=ttyS0");
        assertTrue(await(fresh.start()).isSuccess());
        VmInfo freshEnd = await(fresh.end());
        assertEquals(EndReason.Kind.RESET, freshEnd.endReason().kind(), freshEnd::toString);
        assertTrue(fresh.console().snapshot().contains("probe: cpus=2 mem_mib=128"), fresh.console()::snapshot);
        assertEquals(0, ProcessFootprint.awaitNoVcpuThreads(java.time.Duration.ofSeconds(5)), "vCPU threads at the end");
    }

    /** Every way this layer can see a VM fail, each in a VM of its own. */
    private static List<Failing> failingVms() throws Exception {
        List<Failing> all = new ArrayList<>();
        boolean emulating = Kvm.availability().status() == KvmAvailability.Status.PVM;
        if (emulating) {
            all.add(new Failing(ProbeVm.spawnProbe(bed.testKit(), bed.kvm(), nextId("fault"), 2, "console=ttyS0 probe.fault"),
                    "unemulated instruction (popcnt)", false,
                    List.of("could not emulate", "f3 48 0f b8 c0")));
        }
        Path random = tmp.resolve("random.bin");
        byte[] noise = new byte[64 * 1024];
        new Random(42).nextBytes(noise);
        noise[0] = 0;   // never the ELF magic by chance
        Files.write(random, noise);
        all.add(buildFailure("random bytes as kernel", random, List.of(random.toString(), "neither an ELF vmlinux nor a bzImage")));

        Path empty = Files.createFile(tmp.resolve("empty.bin"));
        all.add(buildFailure("empty kernel file", empty, List.of(empty.toString(), "empty")));

        Path missing = tmp.resolve("no-such-kernel");
        all.add(buildFailure("kernel path that does not exist", missing,
                List.of(missing.toString(), "does not exist", "fix kernel_image_path")));

        byte[] elf = Files.readAllBytes(ProbeGuest.elf());
        Path truncated = tmp.resolve("truncated.elf");
        Files.write(truncated, Arrays.copyOf(elf, 80));   // the ELF header, cut inside the program headers' range
        all.add(buildFailure("ELF cut after its header", truncated, List.of(truncated.toString())));

        Path corrupted = tmp.resolve("corrupted.elf");
        byte[] bad = elf.clone();
        long phoff = readLe(bad, 0x20, 8);
        for (int i = 0; i < 56; i++) bad[(int) phoff + i] = (byte) 0xA5;   // first program header: garbage offsets and sizes
        Files.write(corrupted, bad);
        all.add(buildFailure("ELF with a garbage program header", corrupted, List.of(corrupted.toString())));
        return all;
    }

    private static Failing buildFailure(String why, Path kernel, List<String> mustContain) {
        ProbeVm vm = ProbeVm.spawn(bed.testKit(), bed.kvm(), nextId("bad"), 1, 128, kernel, "console=ttyS0", null);
        return new Failing(vm, why, true, mustContain);
    }

    private static long readLe(byte[] b, int off, int len) {
        long v = 0;
        for (int i = len - 1; i >= 0; i--) v = (v << 8) | (b[off + i] & 0xFF);
        return v;
    }

    @Test
    void stopWhileStartingAVmWhoseBuildFailsIsAnswered() throws Exception {
        Path garbage = tmp.resolve("garbage-for-stop.bin");
        Files.write(garbage, new byte[] {1, 2, 3, 4});
        CompletableFuture<Void> gate = new CompletableFuture<>();
        ProbeVm vm = ProbeVm.spawn(bed.testKit(), bed.kvm(), nextId("stop-bad"), 1, 128, garbage, "console=ttyS0", gate);
        CompletableFuture<StatusReply<VmInfo>> start = vm.start();
        CompletableFuture<StatusReply<VmInfo>> stop = vm.stop();
        gate.complete(null);   // the build runs (and fails) only after Stop is in the mailbox

        StatusReply<VmInfo> started = await(start);
        StatusReply<VmInfo> stopped;
        try {
            stopped = stop.get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("a Stop sent while the VM was starting was never answered once its build failed");
        }

        assertFalse(started.isSuccess(), "start of a garbage kernel succeeded");
        assertTrue(stopped.isSuccess(), () -> "stop: " + stopped.getError());
        assertTrue(stopped.getValue().ended(), () -> "stop answered before the end: " + stopped.getValue());
        // the build failure is what ended it, and the reason keeps saying so
        assertEquals(VmState.FAILED, stopped.getValue().state());
        assertEquals(EndReason.Kind.INVALID_CONFIG, stopped.getValue().endReason().kind());
        assertTrue(stopped.getValue().endReason().detail().contains(garbage.toString()), stopped.getValue()::toString);
    }
}
