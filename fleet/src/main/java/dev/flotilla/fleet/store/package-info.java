/**
 * Durable desired state: the VMs users asked for, so that after a crash of the Flotilla process (kill -9
 * included) every VM that should run is booted again from its spec, none twice and none lost.
 *
 * <p><b>Why SQLite (sqlite-jdbc, WAL) rather than H2.</b> The store's one job is to not lose an
 * acknowledged write when the process dies at any instant. SQLite's WAL mode has a long, public record of
 * exactly that (its crash-recovery and torn-write behaviour is specified and tested by its authors), the
 * file format is stable and readable by the {@code sqlite3} CLI for an operator at 3 a.m., and the
 * driver is one jar with its native library. H2's MVStore also recovers, but its file format has
 * changed between major versions and its crash behaviour is less documented; nothing here needs a
 * Java-only database.
 *
 * <p><b>Settings.</b> {@code journal_mode=WAL}; {@code synchronous=FULL}: every commit fsyncs the WAL, so a
 * write is durable when its future completes — the fleet acknowledges a create only then
 * (synchronous=NORMAL would survive kill -9 but could lose the last commits on power loss);
 * {@code locking_mode=EXCLUSIVE}, taken at open, so two daemons can never own one store (which would boot
 * every VM twice); {@code busy_timeout=3000} so a restart waits briefly for a dying predecessor.
 *
 * <p><b>Threads.</b> No database call ever runs on an actor's dispatcher: one writer thread owns the
 * connection and commits whatever has queued up as one transaction (group commit), so a burst of creations
 * costs a few fsyncs, not one each. {@link dev.flotilla.fleet.store.StoreStats} reports the batching.
 *
 * <p><b>Format.</b> One table {@code vm_definition}: id, format, definition JSON, should_run, started,
 * created_at_ms, updated_at_ms, restarts, interrupted_starts (starts begun and never settled: each one a daemon
 * that died during it), failure (why the fleet stopped running it), and the creation request
 * (create_fingerprint, idempotency_key, unique) that makes a repeated POST /vms answer with the same VM.
 * {@link dev.flotilla.fleet.store.DefinitionCodec} writes the JSON (Jackson over the definition records).
 *
 * <p><b>Schema changes are migrations.</b> {@code StoreSchema} lists numbered migrations; a
 * {@code schema_version} table records those applied; opening a store applies the missing ones in order, each
 * in its own transaction, and refuses a store newer than this code. A store from before versioning (its one
 * table, no {@code schema_version}) counts as version 1. The SQL stays portable (ADD COLUMN with defaults,
 * INSERT ... ON CONFLICT, CASE rather than SQLite's scalar max) so a PostgreSQL store can replay the same list.
 */
package dev.flotilla.fleet.store;
