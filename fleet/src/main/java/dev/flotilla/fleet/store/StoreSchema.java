package dev.flotilla.fleet.store;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The store's schema as an explicit list of numbered migrations, recorded in a {@code schema_version} table
 * (one row per applied migration). Opening a store applies, in order and each in its own transaction, the
 * migrations it has not seen; a store written by a newer Flotilla (a version above {@link #CURRENT}) is
 * refused rather than misread. The SQL is kept to what SQLite and PostgreSQL both take (ADD COLUMN with a
 * default, plain indexes, BIGINT/INTEGER/TEXT), so another backend replays the same list.
 */
final class StoreSchema {

    /** One schema step: applied once, in order, atomically with its version row. */
    record Migration(int version, String description, List<String> statements) {}

    static final List<Migration> MIGRATIONS = List.of(
            new Migration(1, "vm_definition: one row per VM, its definition as JSON and whether it should run", List.of(
                    "CREATE TABLE vm_definition ("
                            + "id TEXT PRIMARY KEY NOT NULL, "
                            + "format INTEGER NOT NULL, "
                            + "definition TEXT NOT NULL, "
                            + "should_run INTEGER NOT NULL, "
                            + "started INTEGER NOT NULL, "
                            + "updated_at_ms BIGINT NOT NULL)")),
            new Migration(2, "creation time, restart and interrupted-start counts, failure reason, idempotent creation", List.of(
                    "ALTER TABLE vm_definition ADD COLUMN created_at_ms BIGINT NOT NULL DEFAULT 0",
                    // rows from before this migration: their last update is the best creation time known
                    "UPDATE vm_definition SET created_at_ms = updated_at_ms",
                    "ALTER TABLE vm_definition ADD COLUMN restarts INTEGER NOT NULL DEFAULT 0",
                    "ALTER TABLE vm_definition ADD COLUMN interrupted_starts INTEGER NOT NULL DEFAULT 0",
                    "ALTER TABLE vm_definition ADD COLUMN failure TEXT",
                    "ALTER TABLE vm_definition ADD COLUMN create_fingerprint TEXT",
                    "ALTER TABLE vm_definition ADD COLUMN idempotency_key TEXT",
                    "CREATE UNIQUE INDEX vm_definition_idempotency_key ON vm_definition (idempotency_key)")));

    /** The schema version this Flotilla reads and writes. */
    static final int CURRENT = MIGRATIONS.get(MIGRATIONS.size() - 1).version();

    private StoreSchema() {}

    /**
     * Brings the store on {@code c} (autocommit off) to {@link #CURRENT}.
     *
     * @return the version the store had before
     * @throws StoreException when the store is newer than this Flotilla
     */
    static int migrate(Connection c, String file) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY NOT NULL, "
                    + "description TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)");
        }
        int from = currentVersion(c);
        if (from == 0 && tableExists(c, "vm_definition")) {
            // a store from before schema_version existed: it has exactly migration 1's table
            record(c, MIGRATIONS.get(0));
            from = 1;
        }
        c.commit();
        if (from > CURRENT) {
            throw new StoreException("desired-state store " + file + " has schema version " + from + " but this Flotilla "
                    + "knows versions up to " + CURRENT + ": run the Flotilla version that wrote it (or a newer one)");
        }
        for (Migration m : MIGRATIONS) {
            if (m.version() <= from) continue;
            try (Statement s = c.createStatement()) {
                for (String sql : m.statements()) s.execute(sql);
                record(c, m);
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw new StoreException("desired-state store " + file + ": migration " + m.version() + " ("
                        + m.description() + ") failed: " + e.getMessage() + "; the store is unchanged at version "
                        + currentVersion(c), e);
            }
        }
        return from;
    }

    static int currentVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT max(version) FROM schema_version")) {
            return r.next() ? r.getInt(1) : 0;
        }
    }

    private static void record(Connection c, Migration m) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(
                "INSERT INTO schema_version (version, description, applied_at_ms) VALUES (?, ?, ?)")) {
            p.setInt(1, m.version());
            p.setString(2, m.description());
            p.setLong(3, System.currentTimeMillis());
            p.executeUpdate();
        }
    }

    private static boolean tableExists(Connection c, String table) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        try (ResultSet r = md.getTables(null, null, table, null)) {
            return r.next();
        }
    }
}
