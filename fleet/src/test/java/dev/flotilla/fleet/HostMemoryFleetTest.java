package dev.flotilla.fleet;

import static dev.flotilla.fleet.FleetHarness.refusal;
import static dev.flotilla.fleet.FleetHarness.vm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import dev.flotilla.fleet.FleetException.Kind;
import dev.flotilla.fleet.host.HostAgent;
import dev.flotilla.fleet.host.HostMemorySettings;
import dev.flotilla.fleet.host.HostResources;
import dev.flotilla.fleet.host.MemoryPressure;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real host agent's memory budget and pressure readings, as the fleet places by them and shows them. */
class HostMemoryFleetTest {

    private static final ActorTestKit kit = ActorTestKit.create();
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        kit.shutdownTestKit();
    }

    private static HostView awaitHost(FleetHarness h, java.util.function.Predicate<HostView> check) {
        TestProbe<List<HostView>> p = kit.createTestProbe();
        HostView[] seen = new HostView[1];
        p.awaitAssert(WAIT, () -> {
            h.fleet.tell(new FleetProtocol.GetHosts(p.getRef()));
            List<HostView> hosts = p.receiveMessage(WAIT);
            if (hosts.size() != 1 || !check.test(hosts.get(0))) throw new AssertionError("hosts: " + hosts);
            seen[0] = hosts.get(0);
            return null;
        });
        return seen[0];
    }

    @Test
    void theAgentsMemoryReadingAndBudgetAreInTheHostView() {
        AtomicReference<MemoryPressure> reading = new AtomicReference<>(new MemoryPressure(4096, 3000, 0.5, 0.0));
        // a short interval so the second reading arrives while the test waits for it (no sleeping)
        HostMemorySettings memory = new HostMemorySettings(1024, false, 4, Duration.ofMillis(50));
        try (FleetHarness h = new FleetHarness(kit, dir.resolve("f.db"), FleetSettings.DEFAULT, System::nanoTime)) {
            kit.spawn(HostAgent.create("h1", new HostResources(2, 4096), FleetSettings.DEFAULT.overCommit(), memory,
                    reading::get, h.launcher, h.fleet));
            HostView v = awaitHost(h, x -> x.memAvailableMib() == 3000);
            assertEquals(3072, v.memMibCapacity(), "MemTotal - reserve, no over-commit by default");
            assertEquals(4096, v.memTotalMib());
            assertEquals(1024, v.memReserveMib());
            assertEquals(4, v.vmOverheadMib());
            assertEquals(0.5, v.pressureSomeAvg10());
            assertEquals(0.0, v.pressureFullAvg10());

            reading.set(new MemoryPressure(4096, 100, 42.0, 17.5));
            v = awaitHost(h, x -> x.memAvailableMib() == 100);
            assertEquals(42.0, v.pressureSomeAvg10());
            assertEquals(17.5, v.pressureFullAvg10());

            assertTrue(h.create(vm("a", 1, 2048, RestartPolicy.NEVER, java.util.Map.of())).isSuccess());
            assertEquals(2052, awaitHost(h, x -> x.vmCount() == 1).memMibAllocated(), "guest RAM plus the overhead");
            FleetException e = refusal(h.create(vm("b", 1, 1024, RestartPolicy.NEVER, java.util.Map.of())));
            assertEquals(Kind.NO_CAPACITY, e.kind());
            assertTrue(e.getMessage().contains("memory budget"), e.getMessage());
            assertTrue(h.create(vm("c", 1, 1016, RestartPolicy.NEVER, java.util.Map.of())).isSuccess(), "exactly full fits");
        }
    }
}
