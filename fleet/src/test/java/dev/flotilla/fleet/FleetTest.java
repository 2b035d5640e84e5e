package dev.flotilla.fleet;

import static dev.flotilla.fleet.FleetHarness.refusal;
import static dev.flotilla.fleet.FleetHarness.vm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.ManualTime;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.pattern.StatusReply;
import dev.flotilla.fleet.FleetException.Kind;
import dev.flotilla.fleet.FleetProtocol.Action;
import dev.flotilla.fleet.placement.OverCommit;
import dev.flotilla.fleet.placement.PlacementStrategy;
import dev.flotilla.fleet.restart.RestartSettings;
import dev.flotilla.fleet.store.DesiredStateStore;
import dev.flotilla.fleet.store.StoredVm;
import dev.flotilla.vm.EndReason;
import dev.flotilla.vm.MicroVm;
import dev.flotilla.vm.VmState;
import dev.flotilla.vm.config.BalloonConfig;
import dev.flotilla.vm.config.MachineConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FleetTest {

    /** Timers (restart backoff, start timeout) fire only when a test moves this clock: nothing waits on the wall clock. */
    private static final ActorTestKit kit = ActorTestKit.create(ManualTime.config().withFallback(com.typesafe.config.ConfigFactory.load()));
    private static final ManualTime time = ManualTime.get(kit.system());
    /** Past the longest restart backoff of SETTINGS (100 ms): whatever is scheduled has fired after it. */
    private static final Duration PAST_EVERY_BACKOFF = Duration.ofMinutes(1);
    private static final FleetSettings SETTINGS = FleetSettings.DEFAULT.withAdmission(1000, 1000)
            .withOverCommit(OverCommit.NONE)
            .withRestart(new RestartSettings(Duration.ofMillis(20), Duration.ofMillis(100), 2, Duration.ofSeconds(30)));

    @TempDir
    Path dir;

    @org.junit.jupiter.api.BeforeEach
    void name(org.junit.jupiter.api.TestInfo info) {
        System.out.println("=== " + info.getDisplayName());
    }

    @AfterAll
    static void shutdown() {
        kit.shutdownTestKit();
    }

    private FleetHarness harness(FleetSettings settings) {
        return new FleetHarness(kit, dir.resolve("fleet.db"), settings, System::nanoTime);
    }

    /**
     * Waits until the VM satisfies {@code check}, moving the manual clock on at each look: a restart timer
     * is only set once the fleet has seen the crash, so time must pass after that, whenever it happens.
     */
    private static VmView awaitWhileTimePasses(FleetHarness h, String id, java.util.function.Predicate<VmView> check) {
        return h.awaitVm(id, v -> {
            if (check.test(v)) return true;
            time.timePasses(Duration.ofMillis(100));
            return false;
        });
    }

    private static List<StoredVm> stored(DesiredStateStore store) throws Exception {
        return store.loadAll().toCompletableFuture().get(10, TimeUnit.SECONDS).vms();
    }

    // ---- creation, admission, placement ------------------------------------------------------

    @Test
    void aCreatedVmRunsOnTheHostAndIsDurable() throws Exception {
        try (FleetHarness h = harness(SETTINGS)) {
            h.addHost("h1", 4, 4096);
            StatusReply<VmView> r = h.create(vm("a"));
            assertTrue(r.isSuccess(), () -> "create: " + r);
            assertEquals(VmState.RUNNING, r.getValue().state());
            assertEquals(Optional.of("h1"), r.getValue().host());
            h.awaitVm("a", v -> v.bootMs() > 0);
            StoredVm row = stored(h.store).get(0);
            assertEquals(vm("a"), row.definition());
            assertTrue(row.shouldRun() && row.started(), row::toString);
            assertEquals(Kind.CONFLICT, refusal(h.create(vm("a", 2, 128, RestartPolicy.NEVER, Map.of()))).kind());
            assertEquals(1, h.launcher.spawnCount("a"));
        }
    }

    @Test
    void aBurstOverTheBucketIsRefusedAtOnceWithRetryAfterAndTokensComeBack() {
        AtomicLong clock = new AtomicLong(0);
        try (FleetHarness h = new FleetHarness(kit, dir.resolve("f.db"), SETTINGS.withAdmission(2, 3), clock::get)) {
            h.addHost("h1", 16, 16384);
            int admitted = 0;
            for (int i = 0; i < 6; i++) {
                StatusReply<VmView> r = h.create(vm("b" + i));
                if (r.isSuccess()) {
                    admitted++;
                } else {
                    FleetException e = refusal(r);
                    assertEquals(Kind.RATE_LIMITED, e.kind(), e::getMessage);
                    assertEquals(Duration.ofMillis(500), e.retryAfter());   // one token at 2/s
                    assertTrue(e.getMessage().contains("retry after 500 ms"), e.getMessage());
                }
            }
            assertEquals(3, admitted);
            clock.addAndGet(Duration.ofMillis(500).toNanos());
            assertTrue(h.create(vm("b-later")).isSuccess());
            assertEquals(Kind.RATE_LIMITED, refusal(h.create(vm("b-later2"))).kind());
            // refused creations left nothing behind
            assertEquals(4, h.list(Optional.empty(), Map.of(), 0, 100).total());
        }
    }

    @Test
    void everyRequestOfALargeBurstIsAnsweredAndCounted() {
        AtomicLong clock = new AtomicLong(0);   // frozen: exactly the burst is admitted
        try (FleetHarness h = new FleetHarness(kit, dir.resolve("f.db"), SETTINGS.withAdmission(50, 100), clock::get)) {
            h.addHost("h1", 1000, 1_000_000);
            int n = 3000;
            TestProbe<StatusReply<FleetProtocol.CreateAnswer>> replies = kit.createTestProbe();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) h.fleet.tell(new FleetProtocol.CreateVm(vm(String.format("q%04d", i)), replies.getRef()));
            int ok = 0;
            int limited = 0;
            for (int i = 0; i < n; i++) {
                StatusReply<FleetProtocol.CreateAnswer> r = replies.receiveMessage(FleetHarness.WAIT);
                if (r.isSuccess()) ok++;
                else if (refusal(r).kind() == Kind.RATE_LIMITED) limited++;
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            assertEquals(100, ok);
            assertEquals(n - 100, limited);
            TestProbe<FleetStats> stats = kit.createTestProbe();
            h.fleet.tell(new FleetProtocol.GetStats(stats.getRef()));
            FleetStats st = stats.receiveMessage(FleetHarness.WAIT);
            assertEquals(100, st.admitted());
            assertEquals(n - 100, st.rateLimited());
            assertEquals(100, st.vmsByState().get(VmState.RUNNING));
            assertEquals(1, st.hosts());
            System.out.printf("admission: %d CreateVm answered in %.0f ms (%.0f answers/s; 100 booted on fake VMs)%n", n, ms, n / ms * 1000);
        }
    }

    @Test
    void noHostWithRoomIsNoCapacityAndGivesTheTokenBack() {
        AtomicLong clock = new AtomicLong(0);
        try (FleetHarness h = new FleetHarness(kit, dir.resolve("f.db"), SETTINGS.withAdmission(1, 3), clock::get)) {
            assertEquals(Kind.NO_CAPACITY, refusal(h.create(vm("early"))).kind());   // no host yet
            h.addHost("h1", 2, 1024);
            assertTrue(h.create(vm("c1")).isSuccess());
            assertTrue(h.create(vm("c2")).isSuccess());
            FleetException e = refusal(h.create(vm("c3")));
            assertEquals(Kind.NO_CAPACITY, e.kind());
            assertTrue(e.getMessage().contains("0 vCPU(s)"), e.getMessage());
            assertTrue(h.delete("c1").isSuccess());
            // the refused c3 (and "early") did not spend tokens: three were there, two were used
            assertTrue(h.create(vm("c3")).isSuccess());
        }
    }

    @Test
    void hostsReportCapacityWithOverCommitAndWhatIsAllocated() {
        try (FleetHarness h = harness(SETTINGS.withOverCommit(new OverCommit(4, 2)))) {
            h.addHost("h1", 2, 1024);
            assertTrue(h.create(vm("d", 2, 256, RestartPolicy.NEVER, Map.of())).isSuccess());
            assertEquals(List.of(new HostView("h1", 8, 2048, 2, 256, 1, "FAKE", 0, 1024, 0, -1, null, null)), h.hosts());
            assertTrue(h.delete("d").isSuccess());
            assertEquals(List.of(new HostView("h1", 8, 2048, 0, 0, 0, "FAKE", 0, 1024, 0, -1, null, null)), h.hosts());
        }
    }

    @Test
    void spreadAlternatesHostsAndBinPackFillsOne() {
        try (FleetHarness h = harness(SETTINGS.withPlacement(PlacementStrategy.SPREAD))) {
            h.addHost("h1", 4, 4096);
            h.addHost("h2", 4, 4096);
            for (int i = 0; i < 4; i++) assertTrue(h.create(vm("s" + i)).isSuccess());
            assertEquals(List.of(2, 2), h.hosts().stream().map(HostView::vmCount).toList());
        }
        try (FleetHarness h = new FleetHarness(kit, dir.resolve("binpack.db"),
                SETTINGS.withPlacement(PlacementStrategy.BIN_PACK), System::nanoTime)) {
            h.addHost("h1", 4, 4096);
            h.addHost("h2", 4, 4096);
            for (int i = 0; i < 4; i++) assertTrue(h.create(vm("p" + i)).isSuccess());
            assertEquals(List.of(4, 0), h.hosts().stream().map(HostView::vmCount).toList());
            assertTrue(h.create(vm("p4")).isSuccess());   // h1 full: the next goes to h2
            assertEquals(List.of(4, 1), h.hosts().stream().map(HostView::vmCount).toList());
        }
    }

    @Test
    void aVmThatFailsToBuildIsReportedFailedNotThrown() {
        try (FleetHarness h = harness(SETTINGS)) {
            h.addHost("h1", 4, 4096);
            h.launcher.failToBuild.add("broken");
            FleetException e = refusal(h.create(vm("broken")));
            assertEquals(Kind.INTERNAL, e.kind());
            assertTrue(e.getMessage().contains("ended before it ran") && e.getMessage().contains("test failure"), e.getMessage());
            VmView v = h.get("broken").orElseThrow();
            assertEquals(VmState.FAILED, v.state());
            assertEquals(EndReason.Kind.VMM_ERROR, v.endReason().orElseThrow().kind());
            assertEquals(List.of(0), h.hosts().stream().map(HostView::vcpusAllocated).toList());
            assertTrue(h.create(vm("fine")).isSuccess(), "the host agent still works");
        }
    }

    @Test
    void aVmActorThatDiesIsReportedFailed() {
        try (FleetHarness h = harness(SETTINGS)) {
            h.addHost("h1", 4, 4096);
            h.launcher.throwOnStart.add("buggy");
            FleetException e = refusal(h.create(vm("buggy")));
            assertTrue(e.getMessage().contains("stopped unexpectedly"), e.getMessage());
            assertEquals(VmState.FAILED, h.get("buggy").orElseThrow().state());
            assertEquals(0, h.hosts().get(0).vmCount());
        }
    }

    @Test
    void whenAHostLeavesItsVmsFailAndOnFailureMovesThemToAnotherHost() {
        try (FleetHarness h = harness(SETTINGS)) {
            akka.actor.typed.ActorRef<dev.flotilla.fleet.host.HostAgent.Command> h1 = h.addHost("h1", 4, 4096);
            assertTrue(h.create(vm("mover", 1, 128, RestartPolicy.ON_FAILURE, Map.of())).isSuccess());
            assertTrue(h.create(vm("stayer")).isSuccess());
            h.addHost("h2", 4, 4096);
            kit.stop(h1);
            VmView moved = awaitWhileTimePasses(h, "mover", v -> v.state() == VmState.RUNNING && v.restarts() == 1);
            assertEquals(Optional.of("h2"), moved.host());
            VmView lost = h.awaitVm("stayer", v -> v.state() == VmState.FAILED);
            assertTrue(lost.endReason().orElseThrow().detail().contains("host h1 left"), lost::toString);
            assertEquals(List.of("h2"), h.hosts().stream().map(HostView::name).toList());
        }
    }

    // ---- Firecracker's pre-/post-boot rules -------------------------------------------------------

    @Test
    void configureBeforeStartThenStartThenOnlyPostBootChanges() throws Exception {
        try (FleetHarness h = harness(SETTINGS)) {
            h.addHost("h1", 4, 4096);
            StatusReply<VmView> c = h.configure("x", new ConfigChange.SetMachineConfig(MachineConfig.DEFAULT.withVcpuCount(2)));
            assertTrue(c.isSuccess(), () -> "configure: " + c);
            assertEquals(VmState.CONFIGURING, c.getValue().state());
            assertEquals(List.of(false), stored(h.store).stream().map(StoredVm::shouldRun).toList());

            FleetException early = refusal(h.act("x", Action.PAUSE));
            assertEquals(Kind.NOT_ALLOWED_IN_STATE, early.kind());
            assertEquals(Fleet.NOT_BEFORE_START, early.getMessage());
            FleetException noKernel = refusal(h.act("x", Action.INSTANCE_START));
            assertEquals(Kind.INVALID, noKernel.kind());
            assertTrue(noKernel.getMessage().contains("PUT /vms/x/boot-source"), noKernel.getMessage());

            assertTrue(h.configure("x", new ConfigChange.SetBootSource(FleetHarness.BOOT)).isSuccess());
            assertTrue(h.configure("x", new ConfigChange.SetBalloon(new BalloonConfig(16, false, 0))).isSuccess());
            StatusReply<VmView> started = h.act("x", Action.INSTANCE_START);
            assertTrue(started.isSuccess(), () -> "start: " + started);
            assertEquals(VmState.RUNNING, started.getValue().state());
            assertEquals(2, h.hosts().get(0).vcpusAllocated());

            FleetException twice = refusal(h.act("x", Action.INSTANCE_START));
            assertEquals(Kind.NOT_ALLOWED_IN_STATE, twice.kind());
            assertEquals(Fleet.NOT_AFTER_START, twice.getMessage());
            FleetException machine = refusal(h.configure("x", new ConfigChange.SetMachineConfig(MachineConfig.DEFAULT)));
            assertEquals(Fleet.NOT_AFTER_START, machine.getMessage());

            StatusReply<VmView> balloon = h.configure("x", new ConfigChange.PatchBalloon(new BalloonConfig(32, false, 0)));
            assertTrue(balloon.isSuccess(), () -> "patch: " + balloon);
            assertEquals(32, balloon.getValue().definition().devices().balloon().orElseThrow().amountMib());
            assertEquals(32, stored(h.store).get(0).definition().devices().balloon().orElseThrow().amountMib());
            // the running VM's balloon got it, as a live device update
            MicroVm.UpdateDevice live = h.launcher.deviceUpdates.get(h.launcher.deviceUpdates.size() - 1);
            assertEquals("balloon", live.deviceId());
            assertEquals(32, ((dev.flotilla.vm.devices.DeviceUpdate.Balloon) live.update()).balloon().amountMib());
        }
    }

    @Test
    void aPatchOfADeviceThatDoesNotExistIsRefused() {
        try (FleetHarness h = harness(SETTINGS)) {
            h.addHost("h1", 4, 4096);
            assertTrue(h.create(vm("nodev")).isSuccess());
            FleetException e = refusal(h.configure("nodev", new ConfigChange.PatchBalloon(new BalloonConfig(8, false, 0))));
            assertEquals(Kind.INVALID, e.kind());
            assertTrue(e.getMessage().contains("no balloon device"), e.getMessage());
            FleetException d = refusal(h.configure("nodev", new ConfigChange.PatchDrive(new dev.flotilla.vm.config.DriveConfig(
                    "data", Path.of("/tmp/x.img"), false, false, Optional.empty(), Optional.empty()))));
            assertTrue(d.getMessage().contains("drive 'data' does not exist"), d.getMessage());
            assertTrue(h.get("nodev").orElseThrow().definition().devices().drives().isEmpty());
        }
    }

    @Test
    void balloonStatisticsFollowFirecrackersRules() {
        try (FleetHarness h = harness(SETTINGS)) {
            h.addHost("h1", 4, 4096);
            TestProbe<StatusReply<dev.flotilla.fleet.BalloonStatistics>> p = kit.createTestProbe();
            h.fleet.tell(new FleetProtocol.GetBalloonStats("none", p.getRef()));
            assertEquals(Kind.NOT_FOUND, refusal(p.receiveMessage(FleetHarness.WAIT)).kind());
            assertTrue(h.configure("bs", new ConfigChange.SetBalloon(new BalloonConfig(16, false, 0))).isSuccess());
            h.fleet.tell(new FleetProtocol.GetBalloonStats("bs", p.getRef()));
            assertEquals(Fleet.NOT_BEFORE_START, refusal(p.receiveMessage(FleetHarness.WAIT)).getMessage());
            assertTrue(h.configure("bs", new ConfigChange.SetBootSource(FleetHarness.BOOT)).isSuccess());
            assertTrue(h.act("bs", Action.INSTANCE_START).isSuccess());
            h.fleet.tell(new FleetProtocol.GetBalloonStats("bs", p.getRef()));
            FleetException off = refusal(p.receiveMessage(FleetHarness.WAIT));
            assertEquals(Kind.INVALID, off.kind());
            assertTrue(off.getMessage().contains("stats_polling_interval_s"), off.getMessage());
        }
    }

    @Test
    void pauseResumeAndCtrlAltDelReachTheVm() {
        try (FleetHarness h = harness(SETTINGS)) {
            h.addHost("h1", 4, 4096);
            assertTrue(h.create(vm("p")).isSuccess());
            assertEquals(VmState.PAUSED, h.act("p", Action.PAUSE).getValue().state());
            FleetException cad = refusal(h.act("p", Action.SEND_CTRL_ALT_DEL));
            assertTrue(cad.getMessage().contains("resume it first"), cad.getMessage());
            assertEquals(VmState.RUNNING, h.act("p", Action.RESUME).getValue().state());
            assertTrue(h.act("p", Action.SEND_CTRL_ALT_DEL).isSuccess());
            VmView ended = h.awaitVm("p", v -> v.state() == VmState.STOPPED);
            assertEquals(EndReason.Kind.RESET, ended.endReason().orElseThrow().kind());
            FleetException after = refusal(h.act("p", Action.PAUSE));
            assertEquals(Kind.NOT_ALLOWED_IN_STATE, after.kind());
            assertTrue(after.getMessage().contains("is stopped"), after.getMessage());
            assertEquals(Kind.NOT_FOUND, refusal(h.act("nobody", Action.PAUSE)).kind());
        }
    }

    // ---- restart policy ------------------------------------------------------------------------

    @Test
    void onFailureRestartsACrashButNotAGuestReset() throws Exception {
        try (FleetHarness h = harness(SETTINGS)) {
            h.addHost("h1", 4, 4096);
            assertTrue(h.create(vm("r", 1, 128, RestartPolicy.ON_FAILURE, Map.of())).isSuccess());
            h.launcher.crash("r");
            VmView back = awaitWhileTimePasses(h, "r", v -> v.restarts() == 1 && v.state() == VmState.RUNNING);
            assertEquals(Optional.of("h1"), back.host());
            assertEquals(2, h.launcher.spawnCount("r"));
            assertTrue(h.act("r", Action.SEND_CTRL_ALT_DEL).isSuccess());
            h.awaitVm("r", v -> v.state() == VmState.STOPPED);
            time.timePasses(PAST_EVERY_BACKOFF);   // any restart timer set for the reset has fired now
            VmView after = h.get("r").orElseThrow();   // answered after any such timer's message
            assertEquals(VmState.STOPPED, after.state(), "a guest reset is not restarted");
            assertEquals(1, after.restarts());
            assertEquals(2, h.launcher.spawnCount("r"));
            assertFalse(stored(h.store).get(0).shouldRun());
        }
    }

    @Test
    void neverLeavesACrashedVmFailed() throws Exception {
        try (FleetHarness h = harness(SETTINGS)) {
            h.addHost("h1", 4, 4096);
            assertTrue(h.create(vm("n")).isSuccess());
            h.launcher.crash("n");
            VmView v = h.awaitVm("n", x -> x.state() == VmState.FAILED);
            assertEquals(0, v.restarts());
            assertEquals(Optional.empty(), v.host());
            time.timePasses(PAST_EVERY_BACKOFF);
            VmView after = h.get("n").orElseThrow();
            assertEquals(VmState.FAILED, after.state());
            assertEquals(0, after.restarts());
            assertEquals(1, h.launcher.spawnCount("n"));
            assertFalse(stored(h.store).get(0).shouldRun());
        }
    }

    @Test
    void aCrashLoopIsCappedAfterTheQuickRestartLimit() throws Exception {
        try (FleetHarness h = harness(SETTINGS)) {
            h.addHost("h1", 4, 4096);
            assertTrue(h.create(vm("loop", 1, 128, RestartPolicy.ALWAYS, Map.of())).isSuccess());
            for (int i = 1; i <= 2; i++) {
                h.launcher.crash("loop");
                int restarts = i;
                awaitWhileTimePasses(h, "loop", v -> v.restarts() == restarts && v.state() == VmState.RUNNING);
            }
            h.launcher.crash("loop");   // the cap is 2 quick restarts
            h.awaitVm("loop", v -> v.state() == VmState.FAILED);
            time.timePasses(PAST_EVERY_BACKOFF);
            assertEquals(3, h.launcher.spawnCount("loop"));
            assertEquals(VmState.FAILED, h.get("loop").orElseThrow().state());
            assertEquals(2, h.get("loop").orElseThrow().restarts());
            assertFalse(stored(h.store).get(0).shouldRun());
        }
    }

    // ---- registry, delete, events ----------------------------------------------------------------

    @Test
    void listFiltersByStateAndLabelsAndPagesInIdOrder() {
        try (FleetHarness h = harness(SETTINGS)) {
            h.addHost("h1", 16, 16384);
            for (int i = 5; i >= 1; i--) {
                assertTrue(h.create(vm("vm" + i, 1, 128, RestartPolicy.NEVER,
                        Map.of("team", i % 2 == 0 ? "even" : "odd", "tier", "x"))).isSuccess());
            }
            assertTrue(h.configure("idle", new ConfigChange.SetBootSource(FleetHarness.BOOT)).isSuccess());

            FleetProtocol.VmPage running = h.list(Optional.of("running"), Map.of(), 0, 100);
            assertEquals(5, running.total());
            assertEquals(List.of("vm1", "vm2", "vm3", "vm4", "vm5"), running.items().stream().map(VmView::id).toList());
            assertEquals(List.of("idle"), h.list(Optional.of("Configuring"), Map.of(), 0, 100).items().stream().map(VmView::id).toList());
            FleetProtocol.VmPage odd = h.list(Optional.empty(), Map.of("team", "odd", "tier", "x"), 0, 100);
            assertEquals(List.of("vm1", "vm3", "vm5"), odd.items().stream().map(VmView::id).toList());
            assertEquals(0, h.list(Optional.empty(), Map.of("team", "odd", "tier", "y"), 0, 100).total());

            FleetProtocol.VmPage page = h.list(Optional.empty(), Map.of(), 2, 2);
            assertEquals(6, page.total());
            assertEquals(List.of("vm2", "vm3"), page.items().stream().map(VmView::id).toList());   // "idle" sorts first
            FleetProtocol.VmPage clamped = h.list(Optional.empty(), Map.of(), -5, 1_000_000);
            assertEquals(0, clamped.offset());
            assertEquals(VmRegistry.MAX_PAGE, clamped.limit());
            assertEquals(6, clamped.items().size());
        }
    }

    @Test
    void deleteStopsTheVmAndForgetsIt() throws Exception {
        try (FleetHarness h = harness(SETTINGS)) {
            h.addHost("h1", 4, 4096);
            assertTrue(h.create(vm("gone", 1, 128, RestartPolicy.ALWAYS, Map.of())).isSuccess());
            assertTrue(h.delete("gone").isSuccess());
            assertEquals(Optional.empty(), h.get("gone"));
            assertTrue(stored(h.store).isEmpty());
            assertEquals(0, h.hosts().get(0).vmCount());
            time.timePasses(PAST_EVERY_BACKOFF);
            assertEquals(Optional.empty(), h.get("gone"), "ALWAYS does not restart a deleted VM");
            assertEquals(0, h.hosts().get(0).vmCount(), "ALWAYS does not restart a deleted VM");
            assertEquals(1, h.launcher.spawnCount("gone"));
            assertEquals(Kind.NOT_FOUND, refusal(h.delete("gone")).kind());
        }
    }

    @Test
    void subscribersSeeEveryStateChangeInOrder() {
        try (FleetHarness h = harness(SETTINGS)) {
            h.addHost("h1", 4, 4096);
            TestProbe<VmEvent> events = kit.createTestProbe();
            h.fleet.tell(new FleetProtocol.Subscribe(events.getRef()));
            assertTrue(h.create(vm("e")).isSuccess());
            h.delete("e");
            List<VmEvent> seen = events.fishForMessage(FleetHarness.WAIT, ev -> ev.vm().state() == VmState.STOPPED
                    ? akka.actor.testkit.typed.javadsl.FishingOutcomes.complete()
                    : akka.actor.testkit.typed.javadsl.FishingOutcomes.continueAndCollect());
            VmEvent last = seen.get(seen.size() - 1);
            assertEquals("e", last.vm().id());
            assertEquals(Optional.of(EndReason.of(EndReason.Kind.STOPPED, Fleet.DELETED)), last.vm().endReason());
            List<VmState> states = seen.stream().map(ev -> ev.vm().state()).toList();
            assertEquals(List.of(VmState.CONFIGURING, VmState.STARTING, VmState.RUNNING, VmState.STOPPED),
                    states.stream().distinct().toList(), states::toString);
            for (int i = 1; i < seen.size(); i++) assertEquals(seen.get(i - 1).sequence() + 1, seen.get(i).sequence());
            h.fleet.tell(new FleetProtocol.Unsubscribe(events.getRef()));
            assertTrue(h.create(vm("e2")).isSuccess());
            h.awaitVm("e2", v -> v.bootMs() > 0);   // booted and holding: e2 has no more changes to report
            // subscribed again: the fleet's messages to one subscriber arrive in order, so had e2's changes
            // been sent after the unsubscribe, they would come before e3's
            h.fleet.tell(new FleetProtocol.Subscribe(events.getRef()));
            assertTrue(h.create(vm("e3")).isSuccess());
            assertEquals("e3", events.receiveMessage(FleetHarness.WAIT).vm().id(), "an unsubscribed probe got an event");
        }
    }

    // ---- durable desired state -----------------------------------------------------------------

    @Test
    void aFleetWhoseStoreCannotBeReadStopsInsteadOfRunningWithoutItsDesiredState() {
        DesiredStateStore store = DesiredStateStore.open(dir.resolve("closed.db"));
        store.close();
        TestProbe<Object> watcher = kit.createTestProbe();
        akka.actor.typed.ActorRef<FleetProtocol.Command> fleet = kit.spawn(Fleet.create(SETTINGS, store));
        watcher.expectTerminated(fleet, FleetHarness.WAIT);
    }

    @Test
    void aNewFleetOnTheSameStoreBootsExactlyTheVmsThatShouldRun() throws Exception {
        Path file = dir.resolve("restart.db");
        FleetHarness first = new FleetHarness(kit, file, SETTINGS, System::nanoTime);
        first.addHost("h1", 8, 8192);
        assertTrue(first.create(vm("keep1")).isSuccess());
        assertTrue(first.create(vm("keep2", 2, 256, RestartPolicy.ALWAYS, Map.of("k", "v"))).isSuccess());
        assertTrue(first.create(vm("ended")).isSuccess());
        assertTrue(first.act("ended", Action.SEND_CTRL_ALT_DEL).isSuccess());
        first.awaitVm("ended", v -> v.state() == VmState.STOPPED);
        assertTrue(first.configure("draft", new ConfigChange.SetBootSource(FleetHarness.BOOT)).isSuccess());
        first.close();

        try (FleetHarness second = new FleetHarness(kit, file, SETTINGS, System::nanoTime)) {
            // asked before any host joined: answered once the state is loaded
            assertEquals(VmState.STARTING, second.get("keep1").orElseThrow().state());
            second.addHost("h1", 8, 8192);
            second.awaitVm("keep1", v -> v.state() == VmState.RUNNING);
            second.awaitVm("keep2", v -> v.state() == VmState.RUNNING && v.definition().labels().equals(Map.of("k", "v")));
            assertEquals(VmState.STOPPED, second.get("ended").orElseThrow().state());
            assertEquals(VmState.CONFIGURING, second.get("draft").orElseThrow().state());
            assertEquals(Fleet.NOT_AFTER_START, refusal(second.act("ended", Action.INSTANCE_START)).getMessage());
            time.timePasses(PAST_EVERY_BACKOFF);
            assertEquals(VmState.STOPPED, second.get("ended").orElseThrow().state());
            assertEquals(0, second.get("keep1").orElseThrow().restarts());
            assertEquals(1, second.launcher.spawnCount("keep1"));
            assertEquals(1, second.launcher.spawnCount("keep2"));
            assertEquals(0, second.launcher.spawnCount("ended"));
            assertEquals(0, second.launcher.spawnCount("draft"));
            assertEquals(List.of(3), second.hosts().stream().map(HostView::vcpusAllocated).toList());
        }
    }
}
