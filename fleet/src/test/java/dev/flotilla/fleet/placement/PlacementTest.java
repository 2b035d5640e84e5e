package dev.flotilla.fleet.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PlacementTest {

    private static HostLoad host(String name, int cpuCap, long memCap, int cpuUsed, long memUsed) {
        return new HostLoad(name, cpuCap, memCap, cpuUsed, memUsed, cpuUsed);
    }

    private final List<HostLoad> hosts = List.of(
            host("a", 16, 16_384, 2, 2_048),    // lightly loaded
            host("b", 16, 16_384, 12, 12_288),  // busy
            host("c", 16, 16_384, 8, 8_192));

    @Test
    void binPackFillsTheBusiestHostThatFits() {
        assertEquals(Optional.of("b"), Placement.choose(hosts, 2, 1_024, PlacementStrategy.BIN_PACK));
    }

    @Test
    void binPackSkipsAHostThatWouldOverflow() {
        assertEquals(Optional.of("c"), Placement.choose(hosts, 5, 1_024, PlacementStrategy.BIN_PACK));
    }

    @Test
    void spreadTakesTheLeastLoadedHost() {
        assertEquals(Optional.of("a"), Placement.choose(hosts, 2, 1_024, PlacementStrategy.SPREAD));
    }

    @Test
    void memoryCountsAsMuchAsCpus() {
        List<HostLoad> h = List.of(host("cpu-free", 16, 16_384, 0, 15_000), host("mem-free", 16, 16_384, 8, 0));
        // "cpu-free" has almost no memory left: the 2 GiB VM only fits on "mem-free"
        assertEquals(Optional.of("mem-free"), Placement.choose(h, 1, 2_048, PlacementStrategy.BIN_PACK));
        // for a small VM, spread picks the host whose fuller resource is emptier
        assertEquals(Optional.of("mem-free"), Placement.choose(h, 1, 128, PlacementStrategy.SPREAD));
    }

    @Test
    void tiesAreBrokenByHostName() {
        List<HostLoad> h = List.of(host("z", 8, 8_192, 0, 0), host("m", 8, 8_192, 0, 0));
        assertEquals(Optional.of("m"), Placement.choose(h, 1, 128, PlacementStrategy.SPREAD));
        assertEquals(Optional.of("m"), Placement.choose(h, 1, 128, PlacementStrategy.BIN_PACK));
    }

    @Test
    void nothingFitsIsEmptyWithTheLargestFreeSpaceInTheMessage() {
        assertEquals(Optional.empty(), Placement.choose(hosts, 15, 1_024, PlacementStrategy.SPREAD));
        String msg = Placement.noCapacityMessage(hosts, 15, 1_024);
        assertTrue(msg.contains("14 vCPU(s)") && msg.contains("14336 MiB"), msg);
        assertTrue(Placement.noCapacityMessage(List.of(), 1, 128).contains("no host has joined"));
    }

    @Test
    void overCommitMultipliesCapacity() {
        OverCommit o = new OverCommit(4, 1.5);
        assertEquals(8, o.vcpus(2));
        assertEquals(36_157, o.memoryMib(24_105));
        // 2 cores without over-commit take 2 one-vCPU VMs; with 4x they take 8
        HostLoad plain = new HostLoad("h", OverCommit.NONE.vcpus(2), 24_105, 2, 256, 2);
        HostLoad over = new HostLoad("h", o.vcpus(2), o.memoryMib(24_105), 2, 256, 2);
        assertEquals(Optional.empty(), Placement.choose(List.of(plain), 1, 128, PlacementStrategy.BIN_PACK));
        assertEquals(Optional.of("h"), Placement.choose(List.of(over), 1, 128, PlacementStrategy.BIN_PACK));
    }
}
