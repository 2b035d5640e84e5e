package dev.flotilla.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.pattern.StatusReply;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The i8042 on the real /dev/bed.kvm(): a guest that pulses the reset line ends its VM with reason RESET, and
 * Ctrl-Alt-Del reaches the controller of a running guest. The probe guest holds with interrupts off
 * ({@code cli; hlt}) and has no keyboard handler, so the keys are checked where they wait for the
 * guest: in the controller's output buffer.
 */
class GuestResetIT {

    /** Ctrl, Alt, Delete make codes in scancode set 2: what Firecracker sends, untranslated. */
    private static final byte[] CTRL_ALT_DEL_SET2 = {0x14, 0x11, (byte) 0xE0, 0x71};
    private static final long TIMEOUT_S = 20;

    private static final AtomicInteger ids = new AtomicInteger();
    @RegisterExtension
    static final KvmTestBed bed = new KvmTestBed();

    private static ProbeVm vm(int vcpus, String cmdline) {
        return ProbeVm.spawnProbe(bed.testKit(), bed.kvm(), "reset-" + ids.incrementAndGet(), vcpus, cmdline);
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        return f.get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    private static ProbeVm startHeld() throws Exception {
        ProbeVm vm = vm(1, "console=ttyS0 probe.hold");
        StatusReply<VmInfo> started = await(vm.start());
        assertTrue(started.isSuccess(), () -> "start: " + started.getError());
        await(vm.line("probe: holding"));
        return vm;
    }

    @ParameterizedTest(name = "{0} vCPU(s)")
    @ValueSource(ints = {1, 2})
    void guestPulsingTheI8042ResetLineEndsTheVmWithReasonReset(int vcpus) throws Exception {
        ProbeVm vm = vm(vcpus, "console=ttyS0");
        assertTrue(await(vm.start()).isSuccess());
        VmInfo end = await(vm.end());

        assertTrue(vm.console().snapshot().contains("probe: reset"), () -> vm.console().snapshot());
        assertEquals(VmState.STOPPED, end.state());
        assertEquals(EndReason.Kind.RESET, end.endReason().kind(), end::toString);
        assertEquals("i8042 reset", end.endReason().detail());
        assertTrue(end.endReason().kind().guestInitiated());
        assertTrue(vm.built().get().i8042().resetRequested(), "the controller saw the 0xFE command");
        assertEquals(0, vcpuThreadsOf(vm), "the VM's vCPU threads end with it");
    }

    @Test
    void ctrlAltDelToARunningGuestQueuesTheSet2MakeCodesForIt() throws Exception {
        ProbeVm vm = startHeld();

        StatusReply<Done> sent = await(vm.ctrlAltDel());

        assertTrue(sent.isSuccess(), () -> "Ctrl-Alt-Del refused: " + sent.getError());
        assertArrayEquals(CTRL_ALT_DEL_SET2, vm.built().get().i8042().save().outputBuffer(),
                "keys waiting in the i8042 for the guest to read");
        // the probe guest ignores the keyboard (interrupts off): it keeps running
        assertEquals(VmState.RUNNING, await(vm.info()).state());
        stop(vm);
    }

    @Test
    void ctrlAltDelIsRefusedWhenTheControllerBufferIsFull() throws Exception {
        ProbeVm vm = startHeld();
        int room = dev.flotilla.vm.devices.i8042.I8042.OUTPUT_BUFFER_SIZE / CTRL_ALT_DEL_SET2.length;
        for (int i = 0; i < room; i++) {
            StatusReply<Done> sent = await(vm.ctrlAltDel());
            assertTrue(sent.isSuccess(), () -> "Ctrl-Alt-Del refused with room left: " + sent.getError());
        }

        StatusReply<Done> overflow = await(vm.ctrlAltDel());

        // the guest never reads the keys: accepting this one would drop it silently (Firecracker answers
        // InternalBufferFull)
        assertFalse(overflow.isSuccess(), "Ctrl-Alt-Del accepted although the guest has not read the keys before");
        assertTrue(overflow.getError().getMessage().contains("full"), () -> overflow.getError().getMessage());
        assertEquals(room * CTRL_ALT_DEL_SET2.length, vm.built().get().i8042().save().outputBuffer().length);
        stop(vm);
    }

    @Test
    void ctrlAltDelIsRefusedWhilePausedAndAcceptedAgainAfterResume() throws Exception {
        ProbeVm vm = startHeld();
        assertEquals(VmState.PAUSED, await(vm.pause()).getValue().state());

        StatusReply<Done> whilePaused = await(vm.ctrlAltDel());

        assertFalse(whilePaused.isSuccess(), "Ctrl-Alt-Del accepted while paused");
        String why = whilePaused.getError().getMessage();
        assertTrue(why.contains("paused") && why.contains("resume"), why);
        assertEquals(0, vm.built().get().i8042().save().outputBuffer().length, "nothing queued while paused");

        assertEquals(VmState.RUNNING, await(vm.resume()).getValue().state());
        assertTrue(await(vm.ctrlAltDel()).isSuccess(), "Ctrl-Alt-Del after resume");
        stop(vm);
    }

    @Test
    void ctrlAltDelIsRefusedBeforeStartAndAfterTheEnd() throws Exception {
        ProbeVm vm = vm(1, "console=ttyS0 probe.hold");

        StatusReply<Done> beforeStart = await(vm.ctrlAltDel());

        assertFalse(beforeStart.isSuccess(), "Ctrl-Alt-Del accepted before start");
        String why = beforeStart.getError().getMessage();
        assertTrue(why.contains("configuring") && why.contains("start it first"), why);

        assertTrue(await(vm.start()).isSuccess());
        await(vm.line("probe: holding"));
        stop(vm);
        StatusReply<Done> afterEnd = await(vm.ctrlAltDel());
        assertFalse(afterEnd.isSuccess(), "Ctrl-Alt-Del accepted by an ended VM");
        String whyEnded = afterEnd.getError().getMessage();
        assertTrue(whyEnded.contains("stopped"), whyEnded);
        // Start is refused for good once a VM has ended: the error must not send the user there
        assertFalse(whyEnded.contains("start it first"), whyEnded);
    }

    private static void stop(ProbeVm vm) throws Exception {
        StatusReply<VmInfo> stopped = await(vm.stop());
        assertTrue(stopped.isSuccess(), () -> "stop: " + stopped.getError());
        assertEquals(VmState.STOPPED, stopped.getValue().state());
        assertEquals(EndReason.Kind.STOPPED, stopped.getValue().endReason().kind());
    }

    /** Live threads of this VM's vCPUs, waiting briefly: a loop's thread ends just after it reports its exit. */
    private static int vcpuThreadsOf(ProbeVm vm) throws InterruptedException {
        String prefix = "vcpu-" + vm.id() + "-";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int n;
        do {
            n = (int) Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.isAlive() && t.getName().startsWith(prefix)).count();
            if (n > 0) Thread.sleep(10);
        } while (n > 0 && System.nanoTime() < deadline);
        return n;
    }
}
