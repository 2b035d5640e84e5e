package dev.flotilla.fleet.store;

import dev.flotilla.fleet.VmDefinition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet's desired state in SQLite: one row per VM (its definition as JSON and whether it should run).
 *
 * <p>Threading: every call only enqueues and returns a future; one writer thread owns the connection and
 * runs whatever has queued up as ONE transaction, so a burst of creations costs one WAL fsync per group,
 * not per VM (group commit). Futures complete on that thread after the commit is durable — callers must
 * not block in their callbacks (actors use pipeToSelf). The queue is bounded: when it is full the call's
 * future fails at once instead of the caller blocking.
 *
 * <p>Durability: WAL journal with {@code synchronous=FULL} (the WAL is fsynced at every commit, so an
 * acknowledged write survives a process kill and a power loss), and {@code locking_mode=EXCLUSIVE}, taken
 * at open: a second Flotilla process on the same file fails to open instead of booting the same VMs twice.
 * The OS drops the lock when the owning process dies, even by kill -9.
 */
public final class DesiredStateStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DesiredStateStore.class);
    private static final int QUEUE_CAPACITY = 16_384;
    private static final int MAX_BATCH = 1_024;

    private final Path file;
    private final DefinitionCodec codec = new DefinitionCodec();
    private final BlockingQueue<Op> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Connection connection;
    private final Thread writer;
    private volatile boolean closing;

    // statistics, written by the writer thread only
    private volatile long operations;
    private volatile long commits;
    private volatile int largestBatch;
    private volatile long latencyNanosTotal;
    private volatile long latencyNanosMax;
    private volatile long commitNanosTotal;

    private DesiredStateStore(Path file, Connection connection) {
        this.file = file;
        this.connection = connection;
        this.writer = new Thread(this::runWriter, "flotilla-desired-state-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /**
     * Opens (creating if needed) the store at {@code file} and takes its exclusive lock.
     *
     * @throws StoreException naming the file and what to do when it cannot be opened or is in use
     */
    public static DesiredStateStore open(Path file) {
        Path abs = file.toAbsolutePath();
        try {
            if (abs.getParent() != null) Files.createDirectories(abs.getParent());
        } catch (java.io.IOException e) {
            throw new StoreException("cannot create the directory of the desired-state store " + abs + ": " + e
                    + "; choose a writable state directory");
        }
        Connection c = null;
        try {
            c = DriverManager.getConnection("jdbc:sqlite:" + abs);
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 3000");
                s.execute("PRAGMA locking_mode = EXCLUSIVE");
                try (ResultSet r = s.executeQuery("PRAGMA journal_mode = WAL")) {
                    String mode = r.next() ? r.getString(1) : "?";
                    if (!"wal".equalsIgnoreCase(mode)) {
                        throw new StoreException("desired-state store " + abs + " could not switch to WAL (journal mode "
                                + mode + "); put the state directory on a local file system");
                    }
                }
                s.execute("PRAGMA synchronous = FULL");
            }
            c.setAutoCommit(false);
            // the first write takes the exclusive lock now, so a second process fails here and not later
            int from = StoreSchema.migrate(c, abs.toString());
            if (from != StoreSchema.CURRENT) {
                LOG.atInfo().setMessage("desired-state store migrated").addKeyValue("store", abs)
                        .addKeyValue("from_version", from).addKeyValue("to_version", StoreSchema.CURRENT).log();
            }
            return new DesiredStateStore(abs, c);
        } catch (SQLException e) {
            closeQuietly(c);
            String why = e.getMessage() != null && e.getMessage().contains("SQLITE_BUSY")
                    ? "it is in use by another Flotilla process; stop that one, or give this one its own state directory"
                    : "check the file's permissions and that it is a Flotilla store";
            throw new StoreException("cannot open the desired-state store " + abs + ": " + e.getMessage() + "; " + why, e);
        } catch (RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    public Path file() {
        return file;
    }

    /**
     * Creates or replaces a VM's row (a row once started stays marked started; its creation time, counts and
     * creation request are kept); completes when durable. A new row is dated now.
     */
    public CompletionStage<Void> put(VmDefinition definition, boolean shouldRun) {
        return put(definition, shouldRun, Instant.now());
    }

    /** As {@link #put(VmDefinition, boolean)}, dating a new row {@code createdAt}. */
    public CompletionStage<Void> put(VmDefinition definition, boolean shouldRun, Instant createdAt) {
        String json = codec.encode(definition);  // encode on the caller: a bad definition fails its own call only
        return submit(new Op.Put(definition.id(), json, shouldRun, createdAt.toEpochMilli(), null));
    }

    /**
     * The row of a VM created by POST /vms (should run, started, its first start counted as begun — see
     * {@link #startBegun}), remembering its creation request so that a repeat of it is recognised, also after a
     * restart (its fingerprint is computed on the writer thread, off the caller's); completes when durable.
     */
    public CompletionStage<Void> create(VmDefinition definition, Instant createdAt, Optional<String> idempotencyKey) {
        String json = codec.encode(definition);
        return submit(new Op.Put(definition.id(), json, true, createdAt.toEpochMilli(), new Op.Creation(definition, idempotencyKey)));
    }

    /**
     * Changes whether a VM should run, clearing any failure; completes when durable (a missing row is not an
     * error). A VM that should run has been started, and stays marked started.
     */
    public CompletionStage<Void> setShouldRun(String id, boolean shouldRun) {
        return submit(new Op.SetShouldRun(id, shouldRun, null));
    }

    /** Records that a VM should no longer run because of {@code failure} (shown to the user); completes when durable. */
    public CompletionStage<Void> giveUp(String id, String failure) {
        return submit(new Op.SetShouldRun(id, false, failure));
    }

    /**
     * Before a start of the VM: counts it as begun and not yet settled, and records how many restarts it has
     * had. Durable before the start proceeds, so a daemon that dies during the start leaves the count behind.
     */
    public CompletionStage<Void> startBegun(String id, int restarts) {
        return submit(new Op.StartBegun(id, restarts));
    }

    /** The VM's start has settled (it runs, or it failed without taking the daemon with it). */
    public CompletionStage<Void> startSettled(String id) {
        return submit(new Op.StartSettled(id));
    }

    /** Removes a VM's row; completes when durable. */
    public CompletionStage<Void> delete(String id) {
        return submit(new Op.Delete(id));
    }

    /** Every row, ordered by id, reading after every write queued before this call. */
    public CompletionStage<LoadedState> loadAll() {
        return submit(new Op.Load());
    }

    public StoreStats stats() {
        long ops = operations;
        long c = commits;
        return new StoreStats(ops, c, largestBatch, ops == 0 ? 0 : latencyNanosTotal / 1e6 / ops,
                latencyNanosMax / 1e6, c == 0 ? 0 : commitNanosTotal / 1e6 / c);
    }

    /** Finishes what is queued, then closes the connection (and with it the lock). */
    @Override
    public void close() {
        if (closing) return;
        closing = true;
        writer.interrupt();
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(connection);
    }

    // ---- writer ------------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private <T> CompletionStage<T> submit(Op op) {
        if (closing) {
            op.future.completeExceptionally(new StoreException("desired-state store " + file + " is closed"));
        } else if (!queue.offer(op)) {
            op.future.completeExceptionally(new StoreException("desired-state store " + file + " has "
                    + QUEUE_CAPACITY + " writes pending: the disk is not keeping up; retry shortly"));
        }
        return (CompletionStage<T>) op.future;
    }

    private void runWriter() {
        List<Op> batch = new ArrayList<>();
        try (PreparedStatement put = connection.prepareStatement("INSERT INTO vm_definition"
                + "(id, format, definition, should_run, started, updated_at_ms, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?) "
                + "ON CONFLICT(id) DO UPDATE SET format = excluded.format, definition = excluded.definition, "
                + "should_run = excluded.should_run, started = CASE WHEN excluded.started = 1 THEN 1 ELSE vm_definition.started END, "
                + "updated_at_ms = excluded.updated_at_ms");
             PreparedStatement create = connection.prepareStatement("INSERT INTO vm_definition"
                + "(id, format, definition, should_run, started, updated_at_ms, created_at_ms, restarts, interrupted_starts, "
                + "failure, create_fingerprint, idempotency_key) VALUES (?, ?, ?, 1, 1, ?, ?, 0, 1, NULL, ?, ?) "
                + "ON CONFLICT(id) DO UPDATE SET format = excluded.format, definition = excluded.definition, "
                + "should_run = 1, started = 1, updated_at_ms = excluded.updated_at_ms, "
                + "created_at_ms = excluded.created_at_ms, restarts = 0, interrupted_starts = 1, failure = NULL, "
                + "create_fingerprint = excluded.create_fingerprint, idempotency_key = excluded.idempotency_key");
             PreparedStatement setRun = connection.prepareStatement("UPDATE vm_definition SET should_run = ?, "
                     + "started = CASE WHEN ? = 1 THEN 1 ELSE started END, failure = ?, updated_at_ms = ? WHERE id = ?");
             PreparedStatement begun = connection.prepareStatement("UPDATE vm_definition SET "
                     + "interrupted_starts = interrupted_starts + 1, restarts = ?, failure = NULL, updated_at_ms = ? WHERE id = ?");
             PreparedStatement settled = connection.prepareStatement(
                     "UPDATE vm_definition SET interrupted_starts = 0, updated_at_ms = ? WHERE id = ?");
             PreparedStatement delete = connection.prepareStatement("DELETE FROM vm_definition WHERE id = ?");
             PreparedStatement load = connection.prepareStatement("SELECT id, format, definition, should_run, started, "
                     + "created_at_ms, restarts, interrupted_starts, failure, create_fingerprint, idempotency_key "
                     + "FROM vm_definition ORDER BY id")) {
            Statements st = new Statements(put, create, setRun, begun, settled, delete, load);
            while (true) {
                batch.clear();
                Op first;
                try {
                    first = closing ? queue.poll() : queue.take();
                } catch (InterruptedException e) {
                    first = queue.poll();
                }
                if (first == null) break;
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                runBatch(batch, st);
            }
        } catch (SQLException e) {
            LOG.error("desired-state store {}: writer cannot prepare its statements: {}", file, e.toString());
        } finally {
            StoreException closed = new StoreException("desired-state store " + file + " is closed");
            batch.forEach(op -> op.future.completeExceptionally(closed));
            Op op;
            while ((op = queue.poll()) != null) op.future.completeExceptionally(closed);
        }
    }

    private record Statements(PreparedStatement put, PreparedStatement create, PreparedStatement setRun,
                              PreparedStatement begun, PreparedStatement settled, PreparedStatement delete,
                              PreparedStatement load) {}

    private void runBatch(List<Op> batch, Statements st) {
        List<Object> results = new ArrayList<>(batch.size());
        long commitStart = 0;
        try {
            long now = System.currentTimeMillis();
            for (Op op : batch) results.add(apply(op, st, now));
            commitStart = System.nanoTime();
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            StoreException failure = new StoreException("desired-state store " + file + ": writing " + batch.size()
                    + " change(s) failed: " + e.getMessage() + "; check free disk space and the file's permissions", e);
            LOG.error(failure.getMessage());
            batch.forEach(op -> op.future.completeExceptionally(failure));
            return;
        }
        long done = System.nanoTime();
        long latencyTotal = 0;
        long latencyMax = latencyNanosMax;
        for (Op op : batch) {
            long l = done - op.enqueuedNanos;
            latencyTotal += l;
            latencyMax = Math.max(latencyMax, l);
        }
        operations += batch.size();
        commits++;
        largestBatch = Math.max(largestBatch, batch.size());
        latencyNanosTotal += latencyTotal;
        latencyNanosMax = latencyMax;
        commitNanosTotal += done - commitStart;
        for (int i = 0; i < batch.size(); i++) complete(batch.get(i), results.get(i));
    }

    @SuppressWarnings("unchecked")
    private static void complete(Op op, Object result) {
        ((CompletableFuture<Object>) op.future).complete(result);
    }

    private Object apply(Op op, Statements st, long nowMs) throws SQLException {
        if (op instanceof Op.Put p && p.creation == null) {
            PreparedStatement put = st.put();
            put.setString(1, p.id);
            put.setInt(2, DefinitionCodec.FORMAT);
            put.setString(3, p.json);
            put.setInt(4, p.shouldRun ? 1 : 0);
            put.setInt(5, p.shouldRun ? 1 : 0);
            put.setLong(6, nowMs);
            put.setLong(7, p.createdAtMs);
            put.executeUpdate();
            return null;
        }
        if (op instanceof Op.Put p) {
            PreparedStatement create = st.create();
            create.setString(1, p.id);
            create.setInt(2, DefinitionCodec.FORMAT);
            create.setString(3, p.json);
            create.setLong(4, nowMs);
            create.setLong(5, p.createdAtMs);
            create.setString(6, codec.fingerprint(p.creation.request()));
            setNullable(create, 7, p.creation.idempotencyKey().orElse(null));
            create.executeUpdate();
            return null;
        }
        if (op instanceof Op.SetShouldRun s) {
            st.setRun().setInt(1, s.shouldRun ? 1 : 0);
            st.setRun().setInt(2, s.shouldRun ? 1 : 0);
            setNullable(st.setRun(), 3, s.failure);
            st.setRun().setLong(4, nowMs);
            st.setRun().setString(5, s.id);
            st.setRun().executeUpdate();
            return null;
        }
        if (op instanceof Op.StartBegun b) {
            st.begun().setInt(1, b.restarts);
            st.begun().setLong(2, nowMs);
            st.begun().setString(3, b.id);
            st.begun().executeUpdate();
            return null;
        }
        if (op instanceof Op.StartSettled s) {
            st.settled().setLong(1, nowMs);
            st.settled().setString(2, s.id);
            st.settled().executeUpdate();
            return null;
        }
        if (op instanceof Op.Delete d) {
            st.delete().setString(1, d.id);
            st.delete().executeUpdate();
            return null;
        }
        List<StoredVm> vms = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        try (ResultSet r = st.load().executeQuery()) {
            while (r.next()) {
                String id = r.getString(1);
                try {
                    String fingerprint = r.getString(10);
                    Optional<StoredVm.Creation> creation = fingerprint == null ? Optional.empty()
                            : Optional.of(new StoredVm.Creation(fingerprint, Optional.ofNullable(r.getString(11))));
                    vms.add(new StoredVm(codec.decode(r.getString(3), r.getInt(2)), r.getInt(4) != 0, r.getInt(5) != 0,
                            Instant.ofEpochMilli(r.getLong(6)), r.getInt(7), r.getInt(8), Optional.ofNullable(r.getString(9)),
                            creation));
                } catch (RuntimeException e) {
                    unreadable.add(id + ": " + e.getMessage());
                }
            }
        }
        return new LoadedState(vms, unreadable);
    }

    private static void setNullable(PreparedStatement p, int index, String value) throws SQLException {
        if (value == null) p.setNull(index, Types.VARCHAR);
        else p.setString(index, value);
    }

    private abstract static sealed class Op permits Op.Put, Op.SetShouldRun, Op.StartBegun, Op.StartSettled, Op.Delete, Op.Load {
        final CompletableFuture<Object> future = new CompletableFuture<>();
        final long enqueuedNanos = System.nanoTime();

        /** A definition written; with {@code creation}, the row of a POST /vms (creation request included). */
        static final class Put extends Op {
            final String id;
            final String json;
            final boolean shouldRun;
            final long createdAtMs;
            final Creation creation;

            Put(String id, String json, boolean shouldRun, long createdAtMs, Creation creation) {
                this.id = id;
                this.json = json;
                this.shouldRun = shouldRun;
                this.createdAtMs = createdAtMs;
                this.creation = creation;
            }
        }

        /** The POST /vms behind a Put: its definition (fingerprinted when written) and Idempotency-Key. */
        record Creation(VmDefinition request, Optional<String> idempotencyKey) {}

        static final class SetShouldRun extends Op {
            final String id;
            final boolean shouldRun;
            final String failure;

            SetShouldRun(String id, boolean shouldRun, String failure) {
                this.id = id;
                this.shouldRun = shouldRun;
                this.failure = failure;
            }
        }

        static final class StartBegun extends Op {
            final String id;
            final int restarts;

            StartBegun(String id, int restarts) {
                this.id = id;
                this.restarts = restarts;
            }
        }

        static final class StartSettled extends Op {
            final String id;

            StartSettled(String id) {
                this.id = id;
            }
        }

        static final class Delete extends Op {
            final String id;

            Delete(String id) {
                this.id = id;
            }
        }

        static final class Load extends Op {}
    }

    private static void closeQuietly(Connection c) {
        if (c == null) return;
        try {
            c.close();
        } catch (SQLException e) {
            LOG.warn("closing desired-state store connection: {}", e.toString());
        }
    }
}
