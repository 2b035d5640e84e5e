package dev.flotilla.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.x86.boot.BootProtocol;
import dev.flotilla.vm.config.BootSource;
import dev.flotilla.vm.config.CpuTemplate;
import dev.flotilla.vm.config.HugePages;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.VmDevices;
import dev.flotilla.vm.config.VmSpec;
import dev.flotilla.vm.console.ConsoleSink;
import dev.flotilla.vm.vcpu.VcpuEvents;
import dev.flotilla.vm.vcpu.VcpuLoop;
import dev.flotilla.vm.vcpu.VcpuRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real {@link VcpuLoop} on /dev/kvm running the probe guest, without the actors: stop is final,
 * every pause and resume is answered once and in order, and a pause tells the guest's kvmclock.
 */
class VcpuLoopIT {

    @RegisterExtension
    static final KvmTestBed bed = new KvmTestBed();

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int MSR_KVM_SYSTEM_TIME_NEW = 0x4b564d01;
    /** pvclock_vcpu_time_info.flags and its PVCLOCK_GUEST_STOPPED bit. */
    private static final int PVCLOCK_FLAGS = 29;
    private static final int PVCLOCK_GUEST_STOPPED = 1 << 1;

    /** A built probe VM, its console, and the answers of its vCPU 0's loop in order. */
    private record Probe(VmResources resources, ConsoleSink console, VcpuRunner loop, BlockingQueue<String> answers)
            implements AutoCloseable {

        String nextAnswer() throws InterruptedException {
            String a = answers.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (a == null) {
                throw new AssertionError("vCPU 0 gave no answer within " + WAIT + "; console:\n" + console.tail(500));
            }
            return a;
        }

        @Override
        public void close() {
            loop.requestStop();
            if (loop.awaitExit(WAIT)) resources.close();   // never unmap guest RAM under a live vCPU
        }
    }

    private static Probe build(String id, String cmdline) {
        VmSpec spec = new VmSpec(id, new MachineConfig(1, 128, false, CpuTemplate.NONE, false, HugePages.NONE),
                new BootSource(ProbeGuest.elf(), Optional.empty(), cmdline), VmDevices.NONE);
        ConsoleSink console = ConsoleSink.inMemory();
        VmResources r = VmBuilder.build(bed.kvm(), spec, BootProtocol.AUTO, console, new VmHooks() {
            @Override public void guestReset() { }
            @Override public void bootTimerFired(long nanoTime) { }
        });
        BlockingQueue<String> answers = new LinkedBlockingQueue<>();
        VcpuRunner loop = r.vcpuRunner(id, 0, new VcpuEvents() {
            @Override public void paused(int index) { answers.add("paused"); }
            @Override public void resumed(int index) { answers.add("resumed"); }
            @Override public void guestEnded(int index, EndReason reason) { answers.add("ended " + reason); }
            @Override public void exited(int index) { answers.add("exited"); }
        });
        return new Probe(r, console, loop, answers);
    }

    @Test
    void aPauseAfterAStopDoesNotKeepTheLoopFromExiting() throws Exception {
        try (Probe p = build("stop-final-idle", "console=ttyS0 probe.hold")) {
            p.loop().requestStop();
            p.loop().requestPause();   // used to replace the stop: the loop parked for ever
            p.loop().start();
            assertTrue(p.loop().awaitExit(WAIT), "the stopped loop is still running");
            assertEquals("exited", p.nextAnswer());
        }
        try (Probe p = build("stop-final-live", "console=ttyS0 probe.hold")) {
            p.loop().start();
            p.console().awaitLine(l -> l.contains("probe: holding")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            p.loop().requestStop();
            p.loop().requestPause();
            p.loop().requestResume();
            assertTrue(p.loop().awaitExit(WAIT), "the stopped loop is still running");
            assertEquals("exited", p.nextAnswer());
        }
    }

    @Test
    void everyPauseAndResumeIsAnsweredOnceAndInOrder() throws Exception {
        try (Probe p = build("answers", "console=ttyS0 probe.hold")) {
            p.loop().start();
            p.console().awaitLine(l -> l.contains("probe: holding")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                // back to back, never waiting for an answer; a resume of a running vCPU is answered too
                boolean pause = i % 3 != 2;
                if (pause) p.loop().requestPause();
                else p.loop().requestResume();
                expected.add(pause ? "paused" : "resumed");
            }
            List<String> got = new ArrayList<>();
            for (int i = 0; i < expected.size(); i++) got.add(p.nextAnswer());
            assertEquals(expected, got);
            p.loop().requestStop();
            assertEquals("exited", p.nextAnswer());
        }
    }

    @Test
    void aPauseTellsTheGuestsKvmclockThatItWasStopped() throws Exception {
        // probe.kbd polls the keyboard: the guest keeps entering and leaving, so KVM updates its clock record
        try (Probe p = build("kvmclock", "console=ttyS0 probe.hold probe.kbd")) {
            p.loop().start();
            p.console().awaitLine(l -> l.contains("probe: holding")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            p.loop().requestPause();
            assertEquals("paused", p.nextAnswer());
            // parked outside KVM_RUN: the vCPU's registers may be read from here
            long msr = p.resources().vcpus().get(0).getMsrs(MSR_KVM_SYSTEM_TIME_NEW).get(0).data();
            assertEquals(1, msr & 1, "the probe guest enabled kvmclock (MSR_KVM_SYSTEM_TIME_NEW = 0x"
                    + Long.toHexString(msr) + ")");
            GuestAddress flags = GuestAddress.of((msr & ~1L) + PVCLOCK_FLAGS);
            assertEquals(0, p.resources().memory().read(flags, 1)[0] & PVCLOCK_GUEST_STOPPED,
                    "stopped before the resume");

            p.loop().requestResume();
            assertEquals("resumed", p.nextAnswer());
            long deadline = System.nanoTime() + WAIT.toNanos();
            int value;
            do {
                value = p.resources().memory().read(flags, 1)[0];
            } while ((value & PVCLOCK_GUEST_STOPPED) == 0 && System.nanoTime() < deadline && spin());
            assertNotEquals(0, value & PVCLOCK_GUEST_STOPPED,
                    "PVCLOCK_GUEST_STOPPED never appeared in the guest's clock record after the pause");
        }
    }

    private static boolean spin() {
        Thread.onSpinWait();
        return true;
    }
}
