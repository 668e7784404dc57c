package dev.caravan.ledger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The embedded ledger database: an H2 file {@code <dataDir>/ledger.mv.db}, its schema, and transactions that are
 * retried when two writers collide on a row. Each operation takes a connection of its own, reused afterwards; the
 * database stays open between them until {@link #close()}.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    /** Collisions worth another try: duplicate key from a concurrent insert, deadlock, lock timeout. */
    private static final Set<String> RETRYABLE = Set.of("23505", "40001", "HYT00");
    private static final int ATTEMPTS = 20;
    /** Idle sessions kept for reuse; more than this many concurrent transactions open (and then close) extra ones. */
    private static final int MAX_IDLE = 32;

    private static final String[] SCHEMA = {
        // The cost records themselves are in the journal (CostJournal); a batch of them counts once its id is here.
        "CREATE TABLE IF NOT EXISTS cost_batches (batch_id VARCHAR PRIMARY KEY)",
        // Request ids of records written one at a time (spool replays), so that a replay is counted once.
        "CREATE TABLE IF NOT EXISTS cost_record_ids (request_id VARCHAR PRIMARY KEY)",
        """
        CREATE TABLE IF NOT EXISTS cost_counters (
          scope VARCHAR NOT NULL, period VARCHAR NOT NULL, cost DECIMAL(38, 18) NOT NULL, requests BIGINT NOT NULL,
          prompt_tokens BIGINT NOT NULL, completion_tokens BIGINT NOT NULL, unreported BIGINT NOT NULL,
          PRIMARY KEY (scope, period))""",
        "CREATE INDEX IF NOT EXISTS cost_counters_by_period ON cost_counters (period, scope)",
        """
        CREATE TABLE IF NOT EXISTS budgets (
          scope VARCHAR NOT NULL, period VARCHAR NOT NULL, spent DECIMAL(38, 18) NOT NULL,
          reserved DECIMAL(38, 18) NOT NULL, PRIMARY KEY (scope, period))""",
        """
        CREATE TABLE IF NOT EXISTS budget_holds (
          reservation_id VARCHAR NOT NULL, scope VARCHAR NOT NULL, period VARCHAR NOT NULL,
          amount DECIMAL(38, 18) NOT NULL, PRIMARY KEY (reservation_id, scope, period))"""
    };

    /** A unit of work inside one transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final Path dataDir;
    private final String url;
    private final ConcurrentLinkedQueue<Connection> idle = new ConcurrentLinkedQueue<>();
    private final ConcurrentHashMap<Class<?>, Object> shared = new ConcurrentHashMap<>();
    private final List<Runnable> beforeClose = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    public EmbeddedDatabase(Path dataDir) {
        this.dataDir = dataDir;
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the data directory " + dataDir, e);
        }
        String base = "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("ledger")
                // DB_CLOSE_ON_EXIT=FALSE: H2's own shutdown hook would close the file while Camel's shutdown (another
                // hook, running at the same time) still writes the last cost records and budget counters; close()
                // shuts it after them.
                + ";DB_CLOSE_DELAY=-1;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000;QUERY_CACHE_SIZE=64"
                // A 1 MB page cache (H2's default is 16 MB): the database holds counters, budgets, batch ids and keys,
                // small and mostly written; pages it writes enter the cache and lived there long enough to be copied
                // from one young collection to the next (bench/results/2026-11-26-hot-path-7.md).
                + ";CACHE_SIZE=1024";
        try (Connection connection = DriverManager.getConnection(base); Statement statement = connection.createStatement()) {
            for (String ddl : SCHEMA) {
                statement.execute(ddl);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the ledger database in " + dataDir, e);
        }
        // Later connections must not silently create an empty database if the file went away.
        this.url = base + ";IFEXISTS=TRUE";
    }

    /** The directory of the database file, for the files kept beside it (the cost journal). */
    public Path dataDir() {
        return dataDir;
    }

    public <T> T inTransaction(Work<T> work) {
        SQLException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            if (closed) {
                throw new IllegalStateException("the ledger database is closed");
            }
            Connection connection = null;
            boolean reusable = false;
            try {
                connection = take();
                try {
                    T result = work.run(connection);
                    connection.commit();
                    reusable = true;
                    return result;
                } catch (SQLException | RuntimeException e) {
                    connection.rollback();
                    reusable = true;
                    throw e;
                }
            } catch (SQLException e) {
                if (!RETRYABLE.contains(e.getSQLState())) {
                    throw new IllegalStateException("ledger database: " + e.getMessage(), e);
                }
                last = e;
                Thread.onSpinWait();
            } finally {
                give(connection, reusable);
            }
        }
        throw new IllegalStateException("ledger database: gave up after " + ATTEMPTS + " collisions", last);
    }

    /**
     * A connection (an H2 session) from the idle ones, or a new one. Sessions are reused because opening one and
     * parsing SQL dominated the request's cost: a reused session keeps its parsed statements (QUERY_CACHE_SIZE).
     */
    private Connection take() throws SQLException {
        Connection connection = idle.poll();
        if (connection != null) {
            return connection;
        }
        connection = DriverManager.getConnection(url);
        connection.setAutoCommit(false);
        return connection;
    }

    /** Returns a connection whose transaction ended cleanly; others, and those beyond the idle limit, are closed. */
    private void give(Connection connection, boolean reusable) {
        if (connection == null) {
            return;
        }
        if (reusable && !closed && idle.size() < MAX_IDLE) {
            idle.offer(connection);
            if (closed && idle.remove(connection)) {
                quietlyClose(connection);
            }
            return;
        }
        quietlyClose(connection);
    }

    private static void quietlyClose(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            // the session is gone either way
        }
    }

    /** The one object of this type kept for this database (e.g. the budget counters), made on first use. */
    public <T> T shared(Class<T> type, Supplier<T> create) {
        return type.cast(shared.computeIfAbsent(type, t -> create.get()));
    }

    /** Runs {@code hook} when the database closes, before the file is shut (e.g. to write state kept in memory). */
    public void beforeClose(Runnable hook) {
        beforeClose.add(hook);
    }

    /** Closes the database file; later operations fail. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        for (Runnable hook : beforeClose) {
            hook.run();
        }
        closed = true;
        Connection idleConnection;
        while ((idleConnection = idle.poll()) != null) {
            quietlyClose(idleConnection);
        }
        try (Connection connection = DriverManager.getConnection(url); Statement statement = connection.createStatement()) {
            statement.execute("SHUTDOWN");
        } catch (SQLException e) {
            // Already gone: nothing left to flush.
        }
    }
}
