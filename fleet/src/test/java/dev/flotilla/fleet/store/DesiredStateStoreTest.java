package dev.flotilla.fleet.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.fleet.VmDefinition;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DesiredStateStoreTest {

    @TempDir
    Path dir;

    private static <T> T await(java.util.concurrent.CompletionStage<T> s) throws Exception {
        return s.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void definitionsAndRunFlagsRoundTripAcrossAReopen() throws Exception {
        Path file = dir.resolve("state/fleet.db");
        VmDefinition full = Definitions.everything("a");
        try (DesiredStateStore s = DesiredStateStore.open(file)) {
            await(s.put(full, true));
            await(s.put(VmDefinition.empty("b"), false));
            await(s.put(VmDefinition.empty("c"), true));
            await(s.setShouldRun("c", false));
            await(s.delete("b"));
        }
        try (DesiredStateStore s = DesiredStateStore.open(file)) {
            LoadedState loaded = await(s.loadAll());
            assertEquals(List.of(full, VmDefinition.empty("c")), loaded.vms().stream().map(StoredVm::definition).toList());
            assertEquals(List.of(true, false), loaded.vms().stream().map(StoredVm::shouldRun).toList());
            assertEquals(List.of(true, true), loaded.vms().stream().map(StoredVm::started).toList());
            assertTrue(loaded.unreadable().isEmpty());
        }
    }

    @Test
    void aVmNeverStartedIsNotMarkedStartedAndOnceStartedStaysSo() throws Exception {
        try (DesiredStateStore s = DesiredStateStore.open(dir.resolve("f.db"))) {
            await(s.put(VmDefinition.empty("configured"), false));
            await(s.put(VmDefinition.empty("ran"), true));
            await(s.put(VmDefinition.empty("ran"), false));   // a post-boot change after it ended
            List<StoredVm> vms = await(s.loadAll()).vms();
            assertFalse(vms.get(0).started());
            assertTrue(vms.get(1).started());
            assertFalse(vms.get(1).shouldRun());
        }
    }

    @Test
    void aSecondOpenOfTheSameStoreIsRefusedWhileTheFirstHoldsIt() throws Exception {
        Path file = dir.resolve("f.db");
        try (DesiredStateStore first = DesiredStateStore.open(file)) {
            await(first.put(VmDefinition.empty("a"), true));
            StoreException e = assertThrows(StoreException.class, () -> DesiredStateStore.open(file));
            assertTrue(e.getMessage().contains("in use by another Flotilla process"), e.getMessage());
        }
        try (DesiredStateStore again = DesiredStateStore.open(file)) {
            assertEquals(1, await(again.loadAll()).vms().size());
        }
    }

    @Test
    void aBurstOfWritesIsCommittedInGroups() throws Exception {
        try (DesiredStateStore s = DesiredStateStore.open(dir.resolve("f.db"))) {
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                writes.add(s.put(VmDefinition.empty(String.format("vm-%03d", i)), true).toCompletableFuture());
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            StoreStats stats = s.stats();
            assertEquals(500, stats.operations());
            assertTrue(stats.commits() < 100, "500 writes took " + stats.commits() + " commits");
            assertTrue(stats.largestBatch() > 5, stats.toString());
            assertEquals(500, await(s.loadAll()).vms().size());
            System.out.printf("store: 500 puts in %d commits (largest %d), mean latency %.2f ms, max %.2f ms, mean commit %.2f ms%n",
                    stats.commits(), stats.largestBatch(), stats.meanLatencyMs(), stats.maxLatencyMs(), stats.meanCommitMs());
        }
    }

    @Test
    void aLoneWriteIsOneCommit() throws Exception {
        try (DesiredStateStore s = DesiredStateStore.open(dir.resolve("f.db"))) {
            for (int i = 0; i < 20; i++) await(s.put(VmDefinition.empty("one-" + i), true));
            StoreStats stats = s.stats();
            assertEquals(20, stats.commits());
            System.out.printf("store: lone writes: mean %.2f ms to durable, max %.2f ms%n", stats.meanLatencyMs(), stats.maxLatencyMs());
        }
    }

    @Test
    void anUnreadableRowIsReportedAndTheOthersStillLoad() throws Exception {
        Path file = dir.resolve("f.db");
        try (DesiredStateStore s = DesiredStateStore.open(file)) {
            await(s.put(VmDefinition.empty("good"), true));
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.execute("INSERT INTO vm_definition (id, format, definition, should_run, started, updated_at_ms) "
                    + "VALUES ('bad', 1, '{not json', 1, 1, 0)");
        }
        try (DesiredStateStore s = DesiredStateStore.open(file)) {
            LoadedState loaded = await(s.loadAll());
            assertEquals(1, loaded.vms().size());
            assertEquals(1, loaded.unreadable().size());
            assertTrue(loaded.unreadable().get(0).startsWith("bad: "), loaded.unreadable().toString());
        }
    }

    @Test
    void writesAfterCloseFailInsteadOfHanging() throws Exception {
        DesiredStateStore s = DesiredStateStore.open(dir.resolve("f.db"));
        s.close();
        CompletableFuture<Void> f = s.put(VmDefinition.empty("late"), true).toCompletableFuture();
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> f.get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("is closed"));
    }

    @Test
    void aStoreFromBeforeSchemaVersionsIsMigratedInPlaceAndKeepsItsRows() throws Exception {
        Path file = dir.resolve("old.db");
        String json = new DefinitionCodec().encode(VmDefinition.empty("old"));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            // exactly what the first Flotilla release wrote
            st.execute("CREATE TABLE vm_definition (id TEXT PRIMARY KEY NOT NULL, format INTEGER NOT NULL, "
                    + "definition TEXT NOT NULL, should_run INTEGER NOT NULL, started INTEGER NOT NULL, updated_at_ms INTEGER NOT NULL)");
            st.execute("PRAGMA user_version = 1");
            st.execute("INSERT INTO vm_definition VALUES ('old', 1, '" + json + "', 1, 1, 1700000000000)");
        }
        try (DesiredStateStore s = DesiredStateStore.open(file)) {
            StoredVm old = await(s.loadAll()).vms().get(0);
            assertEquals(VmDefinition.empty("old"), old.definition());
            assertTrue(old.shouldRun());
            assertEquals(java.time.Instant.ofEpochMilli(1700000000000L), old.createdAt(), "its last update is its best known creation");
            assertEquals(0, old.restarts());
            await(s.startBegun("old", 4));
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
             java.sql.ResultSet r = st.executeQuery("SELECT version FROM schema_version ORDER BY version")) {
            List<Integer> versions = new ArrayList<>();
            while (r.next()) versions.add(r.getInt(1));
            assertEquals(List.of(1, 2), versions);
        }
        try (DesiredStateStore s = DesiredStateStore.open(file)) {
            StoredVm old = await(s.loadAll()).vms().get(0);
            assertEquals(4, old.restarts());
            assertEquals(1, old.interruptedStarts());
        }
    }

    @Test
    void aStoreWrittenByANewerFlotillaIsRefusedNotMisread() throws Exception {
        Path file = dir.resolve("newer.db");
        try (DesiredStateStore s = DesiredStateStore.open(file)) {
            await(s.put(VmDefinition.empty("a"), true));
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.execute("INSERT INTO schema_version (version, description, applied_at_ms) VALUES (99, 'from the future', 0)");
        }
        StoreException e = assertThrows(StoreException.class, () -> DesiredStateStore.open(file));
        assertTrue(e.getMessage().contains("schema version 99") && e.getMessage().contains("run the Flotilla version that wrote it"),
                e.getMessage());
    }

    @Test
    void countsFailureAndCreationRequestRoundTrip() throws Exception {
        Path file = dir.resolve("f.db");
        java.time.Instant created = java.time.Instant.ofEpochMilli(1_800_000_000_123L);
        StoredVm.Creation creation = new StoredVm.Creation(new DefinitionCodec().fingerprint(VmDefinition.empty("other-id")),
                java.util.Optional.of("key-1"));
        try (DesiredStateStore s = DesiredStateStore.open(file)) {
            await(s.create(VmDefinition.empty("a"), created, java.util.Optional.of("key-1")));
            await(s.startBegun("a", 0));
            await(s.startSettled("a"));
            await(s.startBegun("a", 3));
            await(s.put(VmDefinition.empty("a"), true));   // a later change keeps the creation time and request
            await(s.giveUp("a", "gave up"));
        }
        try (DesiredStateStore s = DesiredStateStore.open(file)) {
            assertEquals(new StoredVm(VmDefinition.empty("a"), false, true, created, 3, 1, java.util.Optional.of("gave up"),
                    java.util.Optional.of(creation)), await(s.loadAll()).vms().get(0));
        }
    }
}
