package dev.flotilla.fleet.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.fleet.FleetSettings;
import dev.flotilla.fleet.placement.HostLoad;
import dev.flotilla.fleet.placement.OverCommit;
import dev.flotilla.fleet.placement.Placement;
import dev.flotilla.fleet.placement.PlacementStrategy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The capacity a host offers with the shipped defaults, and what placement then admits on it. */
class HostCapacityTest {

    private static final OverCommit DEFAULT_OVER_COMMIT = FleetSettings.fromConfig(ConfigFactory.load()).overCommit();
    private static final HostMemorySettings DEFAULT_MEMORY = HostMemorySettings.fromConfig(ConfigFactory.load());

    /** Places VMs of one size on one host until placement refuses; returns how many fitted. */
    private static int admitted(HostCapacity c, int vcpus, long memMib) {
        int cpus = 0;
        long mem = 0;
        for (int n = 0; n < 100_000; n++) {
            HostLoad load = new HostLoad("h", c.vcpus(), c.memMib(), cpus, mem, n, c.vmOverheadMib());
            if (Placement.choose(List.of(load), vcpus, memMib, PlacementStrategy.BIN_PACK).isEmpty()) return n;
            cpus += vcpus;
            mem += memMib + c.vmOverheadMib();
        }
        throw new AssertionError("placement never refused");
    }

    @Test
    void shippedDefaultsReserveForTheHostAndChargeAnOverhead() {
        assertEquals(1.0, DEFAULT_OVER_COMMIT.memoryRatio(), "no memory over-commit unless the operator asks");
        assertEquals(new HostMemorySettings(1024, true, 4, Duration.ofSeconds(5)), DEFAULT_MEMORY);
    }

    @Test
    void theDefaultCpuOverCommitAdmitsHundredsOfSmallIdleVmsOnATwoCoreHost() {
        // 2 cores and RAM enough for all: the vCPU limit is what is being measured
        HostCapacity c = HostCapacity.of(new HostResources(2, 64 * 1024), DEFAULT_OVER_COMMIT, DEFAULT_MEMORY, 1024);
        int n = admitted(c, 1, 32);
        assertTrue(n >= 256, "a 2-core host admits only " + n + " one-vCPU VMs by default");
    }

    @Test
    void byDefaultPlacementAdmitsUpToTheMemoryBudgetAndRefusesBeyondIt() {
        // MemTotal 4096 MiB - 1024 reserve - 512 JVM heap = 2560 MiB; each VM costs 128 + 4 MiB
        HostCapacity c = HostCapacity.of(new HostResources(2, 4096), DEFAULT_OVER_COMMIT, DEFAULT_MEMORY, 512);
        assertEquals(new HostCapacity(256, 2560, 4, 4096, 1536), c);
        assertEquals(2560 / 132, admitted(c, 1, 128));

        HostLoad full = new HostLoad("h", c.vcpus(), c.memMib(), 19, 19 * 132, 19, c.vmOverheadMib());
        String why = Placement.noCapacityMessage(List.of(full), 1, 128);
        assertTrue(why.contains("memory budget") && why.contains("flotilla.fleet.host-memory.reserve")
                && why.contains("flotilla.fleet.over-commit.memory"), why);
        assertTrue(!why.contains("vCPU limit"), "only the limit that was hit is named: " + why);
    }

    @Test
    void anExplicitMemoryOverCommitIsHonoured() {
        OverCommit chosen = new OverCommit(DEFAULT_OVER_COMMIT.cpuRatio(), 1.5);
        HostCapacity c = HostCapacity.of(new HostResources(2, 4096), chosen, DEFAULT_MEMORY, 512);
        assertEquals(3840, c.memMib());
        assertEquals(3840 / 132, admitted(c, 1, 128));
    }

    @Test
    void theVcpuLimitIsNamedWithTheKeyThatRaisesIt() {
        HostLoad cpuFull = new HostLoad("h", 4, 100_000, 4, 0, 4, 4);
        String why = Placement.noCapacityMessage(List.of(cpuFull), 1, 128);
        assertTrue(why.contains("vCPU limit") && why.contains("flotilla.fleet.over-commit.cpu"), why);
        assertTrue(!why.contains("memory budget"), why);
    }

    @Test
    void aReserveLargerThanTheHostLeavesNothingRatherThanANegativeBudget() {
        HostCapacity c = HostCapacity.of(new HostResources(2, 512), OverCommit.NONE, DEFAULT_MEMORY, 512);
        assertEquals(0, c.memMib());
        assertEquals(512, c.memReserveMib());
        assertEquals(0, admitted(c, 1, 32));
    }
}
