package dev.flotilla.vm.devices.balloon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.vm.config.BalloonConfig;
import dev.flotilla.vm.devices.FakeVirtioDriver;
import dev.flotilla.vm.virtio.VirtioFeatures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The balloon device on its real worker thread, driven by a fake driver over heap guest memory. */
class VirtioBalloonTest {

    private final FakeVirtioDriver driver = new FakeVirtioDriver(3);
    private final List<long[]> released = new CopyOnWriteArrayList<>();
    private VirtioBalloon balloon;

    private VirtioBalloon balloon(BalloonConfig cfg) {
        balloon = new VirtioBalloon("test-balloon", cfg, driver.mem.totalSize(),
                (addr, len) -> released.add(new long[] {addr.value(), len}));
        return balloon;
    }

    @AfterEach
    void close() {
        if (balloon != null) balloon.close();
    }

    private static long configU32(VirtioBalloon b, int offset) {
        byte[] d = new byte[4];
        b.readConfig(offset, d);
        return Integer.toUnsignedLong(ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).getInt());
    }

    private static byte[] pfns(int... p) {
        ByteBuffer b = ByteBuffer.allocate(4 * p.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : p) b.putInt(x);
        return b.array();
    }

    @Test
    void offersFeaturesAsConfiguredAndShowsTheTargetInConfig() {
        VirtioBalloon b = balloon(new BalloonConfig(4, true, 0));
        assertEquals(2, b.queueCount(), "no stats queue without statistics");
        assertEquals(VirtioBalloon.F_DEFLATE_ON_OOM, b.deviceFeatures() & 7);
        assertEquals(4 * 256, configU32(b, 0));
        b.writeConfig(4, new byte[] {0x10, 0, 0, 0});
        assertEquals(16, b.actualPages());
        b.writeConfig(0, new byte[] {1, 2, 3, 4});
        assertEquals(4 * 256, configU32(b, 0), "num_pages is the device's");
        assertEquals(16, configU32(b, 4));
        b.close();
        balloon = balloon(new BalloonConfig(0, false, 5));
        assertEquals(3, balloon.queueCount());
        assertEquals(VirtioBalloon.F_STATS_VQ, balloon.deviceFeatures() & 7);
    }

    @Test
    void refusesATargetLargerThanTheGuest() {
        long mib = driver.mem.totalSize() >> 20;
        assertThrows(IllegalArgumentException.class, () -> balloon(new BalloonConfig(mib + 1, false, 0)));
        VirtioBalloon b = balloon(new BalloonConfig(0, false, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.setTargetMib(mib + 1));
        assertTrue(e.getMessage().contains("choose 0 to"), e.getMessage());
    }

    @Test
    void newTargetWhileRunningRaisesAConfigChange() throws Exception {
        VirtioBalloon b = balloon(new BalloonConfig(0, false, 0));
        b.activate(driver.activatedQueues(VirtioFeatures.VERSION_1), driver.mem, driver);
        b.setTargetMib(8);
        assertEquals(1, driver.configChanges.get());
        assertEquals(8 * 256, configU32(b, 0));
        assertEquals(8, b.config().amountMib());
    }

    @Test
    void inflateReleasesValidatedMergedPagesAndCountsTheRest() throws Exception {
        VirtioBalloon b = balloon(new BalloonConfig(1, false, 0));
        b.activate(driver.activatedQueues(VirtioFeatures.VERSION_1), driver.mem, driver);
        long beyond = driver.mem.totalSize() / 4096;
        driver.offer(VirtioBalloon.INFLATE, pfns(300, 301, 302, 400, (int) beyond, -1), 0);
        b.queueNotified(VirtioBalloon.INFLATE);
        assertEquals(1, driver.awaitUsed(VirtioBalloon.INFLATE, 5000).size());
        assertEquals(2, released.size());
        assertEquals(300 * 4096L, released.get(0)[0]);
        assertEquals(3 * 4096L, released.get(0)[1]);
        assertEquals(400 * 4096L, released.get(1)[0]);
        assertEquals(4, b.inflatedPages());
        assertEquals(2, b.invalidPfns());

        driver.offer(VirtioBalloon.DEFLATE, pfns(300, 301), 0);
        b.queueNotified(VirtioBalloon.DEFLATE);
        assertEquals(1, driver.awaitUsed(VirtioBalloon.DEFLATE, 5000).size());
        assertEquals(2, b.deflatedPages());
        assertEquals(2, released.size(), "deflate gives nothing back: the guest simply reuses its pages");
    }

    @Test
    void aChainNamingMorePfnsThanLinuxSendsIsCutAt256() throws Exception {
        VirtioBalloon b = balloon(new BalloonConfig(1, false, 0));
        b.activate(driver.activatedQueues(VirtioFeatures.VERSION_1), driver.mem, driver);
        int[] many = new int[1000];
        for (int i = 0; i < many.length; i++) many[i] = 1000 + 2 * i;   // scattered: no two adjacent
        driver.offer(VirtioBalloon.INFLATE, pfns(many), 0);
        b.queueNotified(VirtioBalloon.INFLATE);
        assertEquals(1, driver.awaitUsed(VirtioBalloon.INFLATE, 5000).size());
        assertEquals(VirtioBalloon.PFNS_PER_CHAIN, b.inflatedPages(), "only the first 256 PFNs are taken");
        assertEquals(1000 - VirtioBalloon.PFNS_PER_CHAIN, b.invalidPfns(), "the rest is counted, not walked");
        assertEquals(VirtioBalloon.PFNS_PER_CHAIN, released.size());
    }

    @Test
    void manyInflateChainsOfRepeatedScatteredPfnsCostFewMergedMadviseCalls() throws Exception {
        VirtioBalloon b = balloon(new BalloonConfig(1, false, 0));
        b.activate(driver.activatedQueues(VirtioFeatures.VERSION_1), driver.mem, driver);
        // 20 chains, each the same 256 pages in descending order: 5120 madvise calls if taken one by one
        int[] descending = new int[256];
        for (int i = 0; i < 256; i++) descending[i] = 2000 + 255 - i;
        int chains = 20;
        for (int c = 0; c < chains; c++) driver.offer(VirtioBalloon.INFLATE, pfns(descending), 0);
        b.queueNotified(VirtioBalloon.INFLATE);
        int used = 0;
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (used < chains && System.nanoTime() < deadline) used += driver.awaitUsed(VirtioBalloon.INFLATE, 5000).size();
        assertEquals(chains, used, "every chain is completed, over several turns");
        int turns = (chains + VirtioBalloon.CHAINS_PER_TURN - 1) / VirtioBalloon.CHAINS_PER_TURN;
        assertTrue(released.size() <= turns, "one merged madvise per turn, not per PFN: " + released.size());
        for (long[] r : released) assertEquals(256 * 4096L, r[1], "each call covers the 256 pages at once");
        assertEquals(b.releaseCalls(), released.size());
    }

    @Test
    void statsBufferIsHeldAndHandedBackAtTheInterval() throws Exception {
        VirtioBalloon b = balloon(new BalloonConfig(0, false, 1));
        assertTrue(b.statistics().isPresent());
        assertEquals(-1, b.statistics().get().statsAgeNanos());
        b.activate(driver.activatedQueues(VirtioFeatures.VERSION_1 | VirtioBalloon.F_STATS_VQ), driver.mem, driver);
        driver.offer(VirtioBalloon.STATS, GuestMemoryStatsTest.entries(GuestMemoryStats.TAG_MEMTOT, 64L << 20,
                GuestMemoryStats.TAG_MEMFREE, 10L << 20), 0);
        b.queueNotified(VirtioBalloon.STATS);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (b.statistics().orElseThrow().statsAgeNanos() < 0) {
            if (System.nanoTime() > deadline) throw new AssertionError("the guest's statistics never arrived");
            Thread.onSpinWait();
        }
        // the interval is 1 s, counted from the arrival just seen: the buffer is held now
        assertTrue(driver.awaitUsed(VirtioBalloon.STATS, 0).isEmpty(), "held until the interval passes");
        BalloonStatistics s = b.statistics().orElseThrow();
        assertEquals(OptionalLong.of(64L << 20), s.guest().totalMemory());
        assertEquals(OptionalLong.of(10L << 20), s.guest().freeMemory());

        List<FakeVirtioDriver.Used> back = driver.awaitUsed(VirtioBalloon.STATS, 5000);
        assertEquals(1, back.size(), "the device asks for fresh statistics");
        long ageAtHandBack = b.statistics().orElseThrow().statsAgeNanos();
        assertTrue(ageAtHandBack >= 1_000_000_000L, "handed back before the 1 s interval: statistics "
                + ageAtHandBack / 1_000_000 + " ms old");
        assertEquals(1, b.statsReports());
    }

    @Test
    void statisticsCannotBeSwitchedOnOrOffAfterBoot() {
        VirtioBalloon off = balloon(new BalloonConfig(0, false, 0));
        assertFalse(off.statistics().isPresent());
        assertThrows(IllegalStateException.class, () -> off.setStatsPollingIntervalS(5));
        off.close();
        VirtioBalloon on = balloon(new BalloonConfig(0, false, 5));
        assertThrows(IllegalStateException.class, () -> on.setStatsPollingIntervalS(0));
        on.setStatsPollingIntervalS(2);
        assertEquals(2, on.config().statsPollingIntervalS());
    }

    @Test
    void resetEmptiesTheBalloon() throws Exception {
        VirtioBalloon b = balloon(new BalloonConfig(1, false, 0));
        b.activate(driver.activatedQueues(VirtioFeatures.VERSION_1), driver.mem, driver);
        b.writeConfig(4, new byte[] {0, 1, 0, 0});
        assertEquals(256, b.actualPages());
        b.reset();
        assertEquals(0, b.actualPages());
    }
}
