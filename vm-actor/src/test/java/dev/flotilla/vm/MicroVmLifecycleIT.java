package dev.flotilla.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.pattern.StatusReply;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.kvm.Kvm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Starts and stops hundreds of probe-guest VMs in concurrent batches, in every way a VM can end, and
 * checks that the JVM gives back what they took: fds, vCPU threads, threads, mappings and resident
 * memory return to their baseline, and every VM ends in the state and for the reason its scenario says.
 */
class MicroVmLifecycleIT {

    /** How a VM in this test lives and ends. */
    enum Scenario {
        /** The probe guest resets through the i8042 by itself: STOPPED, reason RESET. */
        RESETS_ITSELF("console=ttyS0"),
        /** Holds (cli; hlt), then a Stop: STOPPED, reason STOPPED. */
        HELD_THEN_STOPPED("console=ttyS0 probe.hold"),
        /** Stop arrives while the VM is being built: Start is refused, Stop ends it. */
        STOPPED_WHILE_STARTING("console=ttyS0 probe.hold"),
        /** Holds, is paused, then stopped while paused. */
        PAUSED_THEN_STOPPED("console=ttyS0 probe.hold"),
        /** Stopped as soon as Start answers: the vCPU threads may not have entered KVM_RUN yet. */
        STOPPED_AT_ONCE("console=ttyS0 probe.hold"),
        /**
         * Resets by itself but is paused as soon as Start answers: whichever wins, the pause is answered
         * (paused, or refused because the VM is ending) and the VM ends, RESET or (if it paused) by Stop.
         */
        PAUSE_RACING_RESET("console=ttyS0");

        final String cmdline;

        Scenario(String cmdline) {
            this.cmdline = cmdline;
        }
    }

    private static final int BATCHES = 10;
    private static final int BATCH_SIZE = 30;
    private static final int WARM_UP_BATCHES = 2;
    private static final Duration BATCH_TIMEOUT = Duration.ofSeconds(30);

    /**
     * RSS growth allowed over 300 VMs, beyond any growth of the committed Java heap (the JVM's choice,
     * bounded by -Xmx). Not zero: the heap touches more of what it had committed, glibc keeps freed
     * malloc memory in its arenas and caches dead threads' stacks, and the JIT keeps compiling (about
     * 24 MiB in all, measured here). What one live VM costs is printed (about 0.4-1 MiB: the guest pages
     * the probe touched, kvm_run, its threads' stacks); leaking it for 300 VMs goes past this bound, and
     * the exact guest RAM and kvm_run mapping counts below catch a leak long before that.
     */
    private static final long RSS_NATIVE_GROWTH_LIMIT_KIB = 64 * 1024;
    /**
     * Mappings other than thread stacks (glibc caches dead threads' stacks, see {@link ProcessFootprint}):
     * malloc arenas (2 mappings each, up to 16 on 2 cores) and the JIT's code heap, metaspace and the
     * Java heap split as they commit. A leak in any one scenario (50 VMs) leaves at least 50; guest RAM
     * and kvm_run mappings are checked exactly besides.
     */
    private static final int MAPPINGS_TOLERANCE = 16;
    /**
     * Address space growth allowed: less than one VM's guest RAM (128 MiB); room for one new malloc
     * arena (a 64 MiB reservation) and a few cached thread stacks. Measured here: 0 to +7 MiB.
     */
    private static final long VIRTUAL_GROWTH_LIMIT_KIB = 128 * 1024;
    /** Compiler and GC threads start and stop by themselves. */
    private static final int TASKS_TOLERANCE = 6;
    /** A jar or /proc file opened by the JVM at the wrong moment. */
    private static final int FDS_TOLERANCE = 2;

    private static final AtomicInteger ids = new AtomicInteger();
    private static ActorTestKit testKit;
    private static Kvm kvm;
    private static Logger microVmLog;
    private static Level microVmLogLevel;

    @BeforeAll
    static void setUp() {
        ProbeGuest.assumeKvm();
        testKit = ActorTestKit.create("lifecycle",
                ConfigFactory.parseString("akka.log-dead-letters = off").withFallback(ConfigFactory.load()));
        kvm = Kvm.open();
        // three INFO lines per VM would bury the measurements
        microVmLog = (Logger) LoggerFactory.getLogger(MicroVm.class);
        microVmLogLevel = microVmLog.getLevel();
        microVmLog.setLevel(Level.WARN);
    }

    @AfterAll
    static void tearDown() {
        if (testKit != null) testKit.shutdownTestKit();
        if (kvm != null) kvm.close();
        if (microVmLog != null) microVmLog.setLevel(microVmLogLevel);
    }

    /** The footprint with a batch live, and how many KVM VMs were open then. */
    record LiveSample(ProcessFootprint footprint, int vms, int vcpus, int held, int heldGuestRamMapped) {}

    /** One VM's run: what it ended as, or what went wrong on the way. */
    record Outcome(String id, Scenario scenario, int vcpus, VmInfo end, List<String> problems,
                   List<ProcessFootprint.HostRange> guestRam) {}

    @Test
    void threeHundredVmsEndAsTheirScenarioSaysAndGiveBackEverything() throws Exception {
        long t0 = System.nanoTime();
        // Warm-up, at the batches' concurrency: dispatcher threads, class loading, JIT, malloc arenas and
        // glibc's cache of dead threads' stacks (up to 40 MiB, kept mapped for reuse) are one-time costs.
        for (int i = 0; i < WARM_UP_BATCHES; i++) assertAllEndedAsExpected(runBatch(BATCH_SIZE, null));
        assertEquals(0, ProcessFootprint.awaitNoVcpuThreads(Duration.ofSeconds(5)), "vcpu threads after warm-up");
        ProcessFootprint baseline = ProcessFootprint.measureAfterGc();
        Map<String, Integer> baselineFds = ProcessFootprint.fdKinds();
        List<String> baselineMaps = ProcessFootprint.maps();
        System.out.println("lifecycle baseline:  " + baseline.describe());

        List<Outcome> all = new ArrayList<>();
        List<LiveSample> live = new ArrayList<>();
        ProcessFootprint half = null;
        for (int b = 0; b < BATCHES; b++) {
            all.addAll(runBatch(BATCH_SIZE, live));
            if (b == BATCHES / 2 - 1) half = ProcessFootprint.measureAfterGc();
        }
        long runMs = (System.nanoTime() - t0) / 1_000_000;
        assertAllEndedAsExpected(all);

        int vcpuThreadsLeft = ProcessFootprint.awaitNoVcpuThreads(Duration.ofSeconds(5));
        ProcessFootprint end = ProcessFootprint.measureAfterGc();
        LiveSample peakSample = live.stream().max((a, b) -> Integer.compare(a.vms(), b.vms())).orElseThrow();
        ProcessFootprint peak = peakSample.footprint();
        int liveVms = peakSample.vms();
        Map<Scenario, Integer> counts = new EnumMap<>(Scenario.class);
        all.forEach(o -> counts.merge(o.scenario(), 1, Integer::sum));
        long twoVcpu = all.stream().filter(o -> o.vcpus() == 2).count();
        long rssGrowth = end.rssKib() - baseline.rssKib();
        long heapGrowth = Math.max(0, end.heapCommittedKib() - baseline.heapCommittedKib());
        long nativeGrowth = rssGrowth - heapGrowth;
        System.out.printf("lifecycle: %d VMs (%s; %d with 2 vCPUs) in %d batches of %d, %d ms with the warm-up%n",
                all.size(), counts, twoVcpu, BATCHES, BATCH_SIZE, runMs);
        System.out.printf("lifecycle: pause racing reset: the guest's reset won %d times, the pause %d times%n",
                all.stream().filter(o -> o.scenario() == Scenario.PAUSE_RACING_RESET
                        && o.end().endReason().kind() == EndReason.Kind.RESET).count(),
                all.stream().filter(o -> o.scenario() == Scenario.PAUSE_RACING_RESET
                        && o.end().endReason().kind() == EndReason.Kind.STOPPED).count());
        System.out.println("lifecycle most live: " + liveVms + " VMs, " + peak.describe());
        System.out.printf("lifecycle per live VM: %.0f KiB RSS, %.1f mappings, %.1f fds, %.1f threads%n",
                (peak.rssKib() - baseline.rssKib()) / (double) liveVms,
                (peak.mappings() - baseline.mappings()) / (double) liveVms,
                (peak.fds() - baseline.fds()) / (double) liveVms,
                (peak.tasks() - baseline.tasks()) / (double) liveVms);
        System.out.println("lifecycle half-way:  " + half.describe());
        System.out.println("lifecycle end:       " + end.describe());
        System.out.printf("lifecycle growth: fds %+d, tasks %+d, mappings %+d (not stacks %+d), virtual %+d KiB,"
                        + " rss %+d KiB (heap committed %+d KiB, native %+d KiB)%n", end.fds() - baseline.fds(),
                end.tasks() - baseline.tasks(), end.mappings() - baseline.mappings(),
                end.nonStackMappings() - baseline.nonStackMappings(), end.virtualKib() - baseline.virtualKib(),
                rssGrowth, end.heapCommittedKib() - baseline.heapCommittedKib(), nativeGrowth);

        assertEquals(0, vcpuThreadsLeft, "vcpu-* threads still alive after every VM ended");
        // the detectors see live VMs: their guest RAM is mapped, one kvm_run per open vCPU fd
        assertTrue(liveVms > 0 && peak.vcpuThreads() > 0, "the live measurement saw no VM: it measured nothing");
        for (LiveSample sample : live) {
            assertEquals(sample.held(), sample.vms(), "VMs open while a batch is held: exactly the held ones");
            assertEquals(sample.held(), sample.heldGuestRamMapped(), "held VMs' guest RAM seen mapped while live");
            assertEquals(sample.vcpus(), sample.footprint().kvmRunMappings() - baseline.kvmRunMappings(),
                    "kvm_run mappings while live: one per open vCPU fd");
        }

        List<String> mapsAtEnd = ProcessFootprint.maps();
        List<String> ramStillMapped = all.stream().filter(o -> o.guestRam().stream()
                .anyMatch(r -> ProcessFootprint.isMappedReadWrite(r, mapsAtEnd))).map(Outcome::id).toList();
        long builtVms = all.stream().filter(o -> !o.guestRam().isEmpty()).count();
        System.out.printf("lifecycle: %d of %d VMs got guest RAM; still mapped at the end: %s%n",
                builtVms, all.size(), ramStillMapped);
        assertEquals(all.size(), builtVms, "every VM was built (its guest RAM mapped) before it ended");
        assertEquals(List.of(), ramStillMapped, "VMs whose guest RAM is still mapped after they ended");
        assertEquals(baseline.kvmRunMappings(), end.kvmRunMappings(), "kvm_run mappings left after every VM ended");
        // one-sided, as for mappings: a leak only ever adds; fewer is the JVM closing its own
        assertTrue(end.fds() - baseline.fds() <= FDS_TOLERANCE,
                () -> "open fds " + baseline.fds() + " -> " + end.fds() + "; by kind " + baselineFds + " -> "
                        + ProcessFootprint.fdKinds());
        // one-sided: under load the baseline may count dispatcher, JIT or GC threads that have retired since
        assertTrue(end.tasks() - baseline.tasks() <= TASKS_TOLERANCE,
                () -> "threads " + baseline.tasks() + " -> " + end.tasks());
        // one-sided: the JVM may unmap more than it had (a leak only ever adds mappings)
        assertTrue(end.nonStackMappings() - baseline.nonStackMappings() <= MAPPINGS_TOLERANCE,
                () -> "mappings other than thread stacks " + baseline.nonStackMappings() + " -> "
                        + end.nonStackMappings() + "; new ones:\n" + newMappings(baselineMaps));
        // every VM maps 128 MiB of guest RAM: a single one left mapped shows here, touched or not
        assertTrue(end.virtualKib() - baseline.virtualKib() < VIRTUAL_GROWTH_LIMIT_KIB,
                () -> "address space grew by " + (end.virtualKib() - baseline.virtualKib()) / 1024 + " MiB");
        assertTrue(nativeGrowth < RSS_NATIVE_GROWTH_LIMIT_KIB,
                () -> "RSS grew by " + rssGrowth + " KiB, " + nativeGrowth + " KiB of it outside the Java heap");
    }

    @Test
    void liveVmsWhoseActorsAreStoppedReleaseEverything() throws Exception {
        ProcessFootprint before = ProcessFootprint.measureAfterGc();
        List<ProbeVm> vms = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ProbeVm vm = ProbeVm.spawn(testKit, kvm, "gone-" + ids.incrementAndGet(), 1 + i % 2, 128,
                    ProbeGuest.elf(), "console=ttyS0 probe.hold", null);
            assertTrue(vm.start().get(20, TimeUnit.SECONDS).isSuccess());
            vms.add(vm);
        }
        for (ProbeVm vm : vms) vm.line("probe: holding").get(20, TimeUnit.SECONDS);
        assertTrue(vms.get(1).pause().get(20, TimeUnit.SECONDS).isSuccess());   // a paused one too

        // as when a parent (host agent, fleet) stops: no Stop message, the actor just goes away
        for (ProbeVm vm : vms) testKit.stop(vm.ref(), Duration.ofSeconds(10));

        assertEquals(0, ProcessFootprint.awaitThreads("vcpu-gone-", 0, Duration.ofSeconds(5)), "vcpu threads left");
        ProcessFootprint after = ProcessFootprint.measure();
        System.out.println("lifecycle actors stopped: before " + before.describe() + "\n                          after  "
                + after.describe());
        List<String> maps = ProcessFootprint.maps();
        for (ProbeVm vm : vms) {
            assertFalse(vm.guestRam().isEmpty());
            for (ProcessFootprint.HostRange r : vm.guestRam()) {
                assertFalse(ProcessFootprint.isMappedReadWrite(r, maps), () -> vm.id() + ": guest RAM still mapped");
            }
        }
        assertEquals(before.kvmRunMappings(), after.kvmRunMappings(), "kvm_run mappings left");
        assertTrue(after.fds() - before.fds() <= FDS_TOLERANCE,
                () -> "open fds " + before.fds() + " -> " + after.fds() + ": " + ProcessFootprint.fdKinds());
    }

    @Test
    void commandsSentWhileAVmIsBeingReleasedAreAnswered() throws Exception {
        ProbeVm vm = ProbeVm.spawn(testKit, kvm, "releasing-" + ids.incrementAndGet(), 2, 128, ProbeGuest.elf(),
                "console=ttyS0 probe.hold", null);
        assertTrue(vm.start().get(20, TimeUnit.SECONDS).isSuccess());
        vm.line("probe: holding").get(20, TimeUnit.SECONDS);
        // Hold every thread of the release dispatcher with tasks that wait, so the release of the VM
        // (which runs there) waits too: the VM stays in its releasing phase for as long as the test wants.
        int releaseThreads = testKit.system().settings().config()
                .getInt(MicroVm.RELEASE_DISPATCHER + ".thread-pool-executor.fixed-pool-size");
        java.util.concurrent.Executor releasePool = testKit.system().dispatchers()
                .lookup(akka.actor.typed.DispatcherSelector.fromConfig(MicroVm.RELEASE_DISPATCHER));
        CompletableFuture<Void> gate = new CompletableFuture<>();
        try {
            for (int i = 0; i < releaseThreads; i++) releasePool.execute(gate::join);
            CompletableFuture<StatusReply<VmInfo>> stop = vm.stop();
            assertEquals(0, ProcessFootprint.awaitThreads("vcpu-" + vm.id() + "-", 0, Duration.ofSeconds(5)),
                    "the VM's vCPU threads ended");
            // The last Exited report reaches the actor, which hands the release to its dispatcher: with every
            // thread held, the release task waits in the queue, and the VM is in its releasing phase.
            java.util.concurrent.ThreadPoolExecutor releaseExecutor = (java.util.concurrent.ThreadPoolExecutor)
                    ((akka.dispatch.Dispatcher) releasePool).executorService().executor();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!(releaseExecutor.getActiveCount() == releaseThreads && releaseExecutor.getQueue().size() == 1)) {
                assertTrue(System.nanoTime() < deadline, "the VM's release never reached the release dispatcher");
                Thread.onSpinWait();
            }
            assertEquals(VmState.STOPPING, vm.info().get(5, TimeUnit.SECONDS).state());

            StatusReply<VmInfo> pause = answeredWithin(vm.pause(), "Pause");
            StatusReply<VmInfo> resume = answeredWithin(vm.resume(), "Resume");
            StatusReply<akka.Done> keys = answeredWithin(vm.ctrlAltDel(), "SendCtrlAltDel");
            StatusReply<VmInfo> start = answeredWithin(vm.start(), "Start");

            assertFalse(pause.isSuccess() || resume.isSuccess() || keys.isSuccess() || start.isSuccess(),
                    "a VM being released accepted a command");
            assertTrue(pause.getError().getMessage().contains("stopping"), pause.getError().getMessage());
            assertFalse(stop.isDone(), "Stop answered before the VM's resources were released");
        } finally {
            gate.complete(null);
        }
        StatusReply<VmInfo> stopped = vm.stop().get(20, TimeUnit.SECONDS);
        assertEquals(VmState.STOPPED, stopped.getValue().state());
    }

    private static <T> StatusReply<T> answeredWithin(CompletableFuture<StatusReply<T>> reply, String what) throws Exception {
        try {
            return reply.get(3, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError(what + " sent to a VM being released was never answered");
        }
    }

    /**
     * Runs {@code size} VMs at once, scenarios and vCPU counts interleaved. Every VM first reaches its
     * steady state (holding, paused, or already ended); then, if {@code live} is given, the footprint
     * is measured with the held ones live and nothing else moving; then those are ended.
     */
    private List<Outcome> runBatch(int size, List<LiveSample> live) throws Exception {
        List<ProbeVm> vms = new ArrayList<>();
        List<Scenario> scenarios = new ArrayList<>();
        List<CompletableFuture<List<String>>> reachedSteadyState = new ArrayList<>();
        List<CompletableFuture<VmInfo>> ends = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            int n = ids.incrementAndGet();
            Scenario s = Scenario.values()[n % Scenario.values().length];
            int vcpus = n % 3 == 0 ? 2 : 1;
            CompletableFuture<Void> gate = s == Scenario.STOPPED_WHILE_STARTING ? new CompletableFuture<>() : null;
            ProbeVm vm = ProbeVm.spawn(testKit, kvm, "lc-" + n, vcpus, 128, ProbeGuest.elf(), s.cmdline, gate);
            vms.add(vm);
            scenarios.add(s);
            ends.add(vm.end());
            reachedSteadyState.add(steadyState(vm, s, gate));
        }
        List<List<String>> problems = new ArrayList<>();
        for (CompletableFuture<List<String>> f : reachedSteadyState) {
            problems.add(new ArrayList<>(f.get(BATCH_TIMEOUT.toSeconds(), TimeUnit.SECONDS)));
        }
        if (live != null) {
            Map<String, Integer> fds = ProcessFootprint.fdKinds();
            List<String> maps = ProcessFootprint.maps();
            List<ProbeVm> held = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                if (scenarios.get(i) == Scenario.HELD_THEN_STOPPED || scenarios.get(i) == Scenario.PAUSED_THEN_STOPPED) {
                    held.add(vms.get(i));
                }
            }
            int heldMapped = (int) held.stream().filter(v -> !v.guestRam().isEmpty() && v.guestRam().stream()
                    .allMatch(r -> ProcessFootprint.isMappedReadWrite(r, maps))).count();
            live.add(new LiveSample(ProcessFootprint.measure(), fds.getOrDefault("anon_inode:kvm-vm", 0),
                    fds.getOrDefault("anon_inode:kvm-vcpu", 0), held.size(), heldMapped));
        }

        List<CompletableFuture<List<String>>> ended = new ArrayList<>();
        for (int i = 0; i < size; i++) ended.add(finish(vms.get(i), scenarios.get(i)));
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            problems.get(i).addAll(ended.get(i).get(BATCH_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            VmInfo end = ends.get(i).get(BATCH_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            ProbeVm vm = vms.get(i);
            outcomes.add(new Outcome(vm.id(), scenarios.get(i), end.vcpus(), end, problems.get(i), List.copyOf(vm.guestRam())));
            testKit.stop(vm.ref());
        }
        return outcomes;
    }

    /** Brings the VM to where its scenario measures it; the list holds what was not as expected. */
    private static CompletableFuture<List<String>> steadyState(ProbeVm vm, Scenario s, CompletableFuture<Void> gate) {
        switch (s) {
            case RESETS_ITSELF:   // over by the time the batch is measured, so only held VMs are live then
                return vm.start().thenCompose(r -> vm.end().thenApply(e -> expectState(r, VmState.RUNNING, "start")));
            case HELD_THEN_STOPPED:
                return vm.start().thenCompose(r -> holding(vm, expectState(r, VmState.RUNNING, "start")));
            case PAUSED_THEN_STOPPED:
                return vm.start()
                        .thenCompose(r -> holding(vm, expectState(r, VmState.RUNNING, "start")))
                        .thenCompose(p -> vm.pause().thenApply(r -> concat(p, expectState(r, VmState.PAUSED, "pause"))));
            case PAUSE_RACING_RESET:
                return vm.start().thenCompose(r -> vm.pause().thenCompose(paused -> {
                    List<String> p = expectState(r, VmState.RUNNING, "start");
                    if (paused.isSuccess()) {
                        if (paused.getValue().state() != VmState.PAUSED) p.add("pause answered " + describe(paused));
                        return vm.stop().thenApply(stopped -> concat(p, expectEnd(stopped, EndReason.Kind.STOPPED, "stop")));
                    }
                    String why = paused.getError().getMessage();
                    if (!why.contains("stopping") && !why.contains("stopped")) p.add("pause refused for no good reason: " + why);
                    return vm.end().thenApply(e -> p);
                }));
            case STOPPED_AT_ONCE:
                return vm.start().thenCompose(r -> vm.stop().thenApply(
                        stopped -> concat(expectState(r, VmState.RUNNING, "start"), expectEnd(stopped, EndReason.Kind.STOPPED, "stop"))));
            case STOPPED_WHILE_STARTING: {
                CompletableFuture<StatusReply<VmInfo>> start = vm.start();
                CompletableFuture<StatusReply<VmInfo>> stop = vm.stop();
                gate.complete(null);   // the builder runs only now, after Stop is in the mailbox
                return start.thenCombine(stop, (started, stopped) -> {
                    List<String> p = new ArrayList<>();
                    if (started.isSuccess() || !started.getError().getMessage().contains("stopped while starting")) {
                        p.add("start should be refused as stopped while starting, was " + describe(started));
                    }
                    p.addAll(expectEnd(stopped, EndReason.Kind.STOPPED, "stop"));
                    return p;
                });
            }
            default:
                throw new IllegalArgumentException(s.name());
        }
    }

    /** Ends the VM as its scenario says. */
    private static CompletableFuture<List<String>> finish(ProbeVm vm, Scenario s) {
        switch (s) {
            case HELD_THEN_STOPPED:
            case PAUSED_THEN_STOPPED:
                return vm.stop().thenApply(r -> expectEnd(r, EndReason.Kind.STOPPED, "stop"));
            default:
                return CompletableFuture.completedFuture(List.of());
        }
    }

    private static CompletableFuture<List<String>> holding(ProbeVm vm, List<String> problems) {
        if (!problems.isEmpty()) return CompletableFuture.completedFuture(problems);
        return vm.line("probe: holding").completeOnTimeout(null, 20, TimeUnit.SECONDS)
                .thenApply(l -> l != null ? problems : List.of("never printed 'probe: holding': " + vm.console().tail(300)));
    }

    private static void assertAllEndedAsExpected(List<Outcome> outcomes) {
        List<String> wrong = new ArrayList<>();
        for (Outcome o : outcomes) {
            EndReason.Kind expected = o.scenario() == Scenario.RESETS_ITSELF ? EndReason.Kind.RESET
                    : o.scenario() == Scenario.PAUSE_RACING_RESET && o.end().endReason() != null
                    && o.end().endReason().kind() == EndReason.Kind.RESET ? EndReason.Kind.RESET   // the guest won
                    : EndReason.Kind.STOPPED;
            if (o.end().state() != VmState.STOPPED || o.end().endReason() == null
                    || o.end().endReason().kind() != expected) {
                wrong.add(o.id() + " " + o.scenario() + ": ended " + o.end().state() + " / " + o.end().endReason()
                        + ", expected STOPPED / " + expected.label());
            }
            o.problems().forEach(p -> wrong.add(o.id() + " " + o.scenario() + ": " + p));
        }
        assertTrue(wrong.isEmpty(), () -> wrong.size() + " problem(s), first ones:\n"
                + String.join("\n", wrong.subList(0, Math.min(10, wrong.size()))));
    }

    private static String newMappings(List<String> before) {
        List<String> now = new ArrayList<>(ProcessFootprint.maps());
        now.removeAll(new java.util.HashSet<>(before));
        return String.join("\n", now.subList(0, Math.min(60, now.size())));
    }

    private static List<String> expectState(StatusReply<VmInfo> r, VmState state, String what) {
        if (r.isSuccess() && r.getValue().state() == state) return new ArrayList<>();
        return new ArrayList<>(List.of(what + " should leave the VM " + state + ", was " + describe(r)));
    }

    private static List<String> expectEnd(StatusReply<VmInfo> r, EndReason.Kind kind, String what) {
        if (r.isSuccess() && r.getValue().state() == VmState.STOPPED && r.getValue().endReason() != null
                && r.getValue().endReason().kind() == kind) {
            return new ArrayList<>();
        }
        return new ArrayList<>(List.of(what + " should end the VM STOPPED / " + kind.label() + ", was " + describe(r)));
    }

    private static String describe(StatusReply<VmInfo> r) {
        return r.isSuccess() ? r.getValue().state() + " / " + r.getValue().endReason() : "error: " + r.getError().getMessage();
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
