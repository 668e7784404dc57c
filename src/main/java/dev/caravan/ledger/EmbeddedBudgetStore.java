package dev.caravan.ledger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Budgets in the embedded H2 database. The embedded store belongs to one gateway process (one process owns an H2
 * file), so the counters are kept in memory, where reserving and settling are a few additions under one lock, and
 * the H2 rows ({@code budgets}) are their durable copy, written behind: every {@link #FLUSH_MILLIS} ms, on close
 * and when the database closes. A window's row is read once, the first time a request touches it; a window with no
 * row yet starts from the spend its scope's cost counter shows for the period (a budget added mid-period), and
 * {@link #catchUp} raises a window's spend to that counter when it shows more (a budget removed and added back).
 *
 * <p>All stores opened on one {@link EmbeddedDatabase} share its counters, so they never disagree. Holds (what a
 * running call has reserved) live in memory only: a call cannot outlive the process, so the {@code reserved} column
 * written behind is only a view of the running process, and opening the database sets it back to 0 (what calls in
 * flight at a stop or crash held is given back; their spend was never counted). A crash loses at most the
 * last {@link #FLUSH_MILLIS} ms of settled spend (H2 itself writes committed changes to the file up to 500 ms late).
 */
public final class EmbeddedBudgetStore implements BudgetStore, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBudgetStore.class);
    /** How often changed counters are written to H2. */
    static final long FLUSH_MILLIS = 200;

    private static final String UPSERT = "MERGE INTO budgets (scope, period, spent, reserved) KEY (scope, period) "
            + "VALUES (?, ?, ?, ?)";

    private final Counters counters;

    public EmbeddedBudgetStore(EmbeddedDatabase database) {
        this.counters = database.shared(Counters.class, () -> new Counters(database));
    }

    @Override
    public Optional<BudgetWindow> reserve(String reservationId, List<BudgetWindow> windows, BigDecimal amount) {
        return counters.reserve(reservationId, windows, amount);
    }

    @Override
    public void settle(String reservationId, List<BudgetWindow> windows, BigDecimal reserved, BigDecimal actual) {
        counters.settle(reservationId, windows, reserved, actual);
    }

    @Override
    public void countUnheld(String reservationId, List<BudgetWindow> windows, BigDecimal actual) {
        counters.countUnheld(reservationId, windows, actual);
    }

    @Override
    public BudgetState state(String scope, String periodKey) {
        return counters.state(scope, periodKey);
    }

    @Override
    public boolean catchUp(BudgetWindow window) {
        counters.catchUp(window);
        return true;
    }

    /** Writes the changed counters to H2 now. */
    public void flush() {
        counters.flush();
    }

    /** Writes the changed counters; the counters stay usable until the database closes. */
    @Override
    public void close() {
        counters.flush();
    }

    private record Key(String scope, String periodKey) {
    }

    private record Hold(String reservationId, Key window) {
    }

    /** One budget period's counters; guarded by {@link Counters#lock}. */
    private static final class Window {
        BigDecimal spent;
        BigDecimal reserved;
        long resetsAtMillis;
        boolean dirty;

        Window(BigDecimal spent, BigDecimal reserved) {
            this.spent = spent;
            this.reserved = reserved;
        }
    }

    /** The counters of one database, shared by every store opened on it. */
    static final class Counters implements AutoCloseable {

        private final EmbeddedDatabase database;
        private final ReentrantLock lock = new ReentrantLock();
        /** Serialises writes, so that an older snapshot never lands after a newer one. */
        private final ReentrantLock flushing = new ReentrantLock();
        private final Map<Key, Window> windows = new HashMap<>();
        private final Map<Hold, BigDecimal> holds = new HashMap<>();
        /** Calls counted on windows that hold nothing of them (see countUnheld), until their window is forgotten. */
        private final Set<Hold> countedUnheld = new HashSet<>();
        private final ScheduledExecutorService writer;
        private final Clock clock = Clock.systemUTC();
        private boolean anyDirty;
        private boolean failing;

        Counters(EmbeddedDatabase database) {
            this.database = database;
            this.writer = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "budget-write-behind");
                thread.setDaemon(true);
                return thread;
            });
            releaseHoldsOfEarlierRuns();
            writer.scheduleWithFixedDelay(this::flushQuietly, FLUSH_MILLIS, FLUSH_MILLIS, TimeUnit.MILLISECONDS);
            database.beforeClose(this::close);
        }

        /** No call of an earlier run of the process is still running: nothing it reserved is held any more. */
        private void releaseHoldsOfEarlierRuns() {
            int released = database.inTransaction(connection -> {
                try (PreparedStatement update = connection.prepareStatement(
                        "UPDATE budgets SET reserved = 0 WHERE reserved <> 0")) {
                    return update.executeUpdate();
                }
            });
            if (released > 0) {
                LOG.info("gave back what calls in flight when the gateway last stopped held on {} budgets", released);
            }
        }

        Optional<BudgetWindow> reserve(String reservationId, List<BudgetWindow> requested, BigDecimal amount) {
            lock.lock();
            try {
                List<Window> touched = new ArrayList<>(requested.size());
                for (BudgetWindow budget : requested) {
                    Key key = new Key(budget.scope(), budget.periodKey());
                    if (holds.containsKey(new Hold(reservationId, key))) {
                        return Optional.empty(); // already held by an earlier call with this id
                    }
                    Window window = window(key, budget);
                    // Two windows of one request never share a key, so the earlier ones' additions are not counted here.
                    if (window.spent.add(window.reserved).add(amount).compareTo(budget.limit()) > 0) {
                        return Optional.of(budget);
                    }
                    touched.add(window);
                }
                for (int i = 0; i < touched.size(); i++) {
                    Window window = touched.get(i);
                    BudgetWindow budget = requested.get(i);
                    window.reserved = window.reserved.add(amount);
                    window.dirty = true;
                    holds.put(new Hold(reservationId, new Key(budget.scope(), budget.periodKey())), amount);
                }
                anyDirty |= !touched.isEmpty();
                return Optional.empty();
            } finally {
                lock.unlock();
            }
        }

        void settle(String reservationId, List<BudgetWindow> requested, BigDecimal reserved, BigDecimal actual) {
            lock.lock();
            try {
                for (BudgetWindow budget : requested) {
                    Key key = new Key(budget.scope(), budget.periodKey());
                    if (holds.remove(new Hold(reservationId, key)) == null) {
                        continue; // settled or released before
                    }
                    Window window = window(key, budget);
                    window.reserved = window.reserved.subtract(reserved);
                    window.spent = window.spent.add(actual);
                    window.dirty = true;
                    anyDirty = true;
                }
            } finally {
                lock.unlock();
            }
        }

        void countUnheld(String reservationId, List<BudgetWindow> requested, BigDecimal actual) {
            lock.lock();
            try {
                for (BudgetWindow budget : requested) {
                    Key key = new Key(budget.scope(), budget.periodKey());
                    if (!countedUnheld.add(new Hold(reservationId, key))) {
                        continue; // counted before
                    }
                    Window window = window(key, budget);
                    window.spent = window.spent.add(actual);
                    window.dirty = true;
                    anyDirty = true;
                }
            } finally {
                lock.unlock();
            }
        }

        BudgetState state(String scope, String periodKey) {
            lock.lock();
            try {
                Window window = windows.get(new Key(scope, periodKey));
                if (window != null) {
                    return new BudgetState(window.spent.stripTrailingZeros(), window.reserved.stripTrailingZeros());
                }
                Window stored = read(new Key(scope, periodKey));
                if (stored == null) {
                    return new BudgetState(counted(new Key(scope, periodKey)).stripTrailingZeros(), BigDecimal.ZERO);
                }
                return new BudgetState(stored.spent.stripTrailingZeros(), stored.reserved.stripTrailingZeros());
            } finally {
                lock.unlock();
            }
        }

        void catchUp(BudgetWindow budget) {
            Key key = new Key(budget.scope(), budget.periodKey());
            // read before the lock that every reserve and settle takes: the records only grow, and a figure read a
            // moment early is at most a later catch-up's to raise
            BigDecimal recorded = counted(key);
            lock.lock();
            try {
                Window window = window(key, budget);
                if (recorded.compareTo(window.spent) > 0) {
                    LOG.info("the {} counts {} USD its cost records spent while it did not apply", budget,
                            recorded.subtract(window.spent).toPlainString());
                    window.spent = recorded;
                    window.dirty = true;
                    anyDirty = true;
                }
            } finally {
                lock.unlock();
            }
        }

        /** The window's counters, read from H2 the first time; the caller holds {@link #lock}. */
        private Window window(Key key, BudgetWindow budget) {
            Window window = windows.get(key);
            if (window == null) {
                window = read(key);
                if (window == null) {
                    // A budget's first request in the period: what was spent before it (added mid-period) counts.
                    window = new Window(counted(key), BigDecimal.ZERO);
                }
                window.resetsAtMillis = budget.resetsAt().toEpochMilli();
                windows.put(key, window);
            }
            return window;
        }

        private Window read(Key key) {
            return selectRow("SELECT spent, reserved FROM budgets WHERE scope = ? AND period = ?", key,
                    rows -> new Window(rows.getBigDecimal(1), rows.getBigDecimal(2)), null);
        }

        /** The spend the cost records counted under the window's scope in its period (EmbeddedCostStore's counter). */
        private BigDecimal counted(Key key) {
            return selectRow("SELECT cost FROM cost_counters WHERE scope = ? AND period = ?", key,
                    rows -> rows.getBigDecimal(1), BigDecimal.ZERO);
        }

        private interface RowReader<T> {
            T read(ResultSet row) throws SQLException;
        }

        /** The one row of a window's scope and period that {@code sql} selects, or {@code none}. */
        private <T> T selectRow(String sql, Key key, RowReader<T> reader, T none) {
            return database.inTransaction(connection -> {
                try (PreparedStatement select = connection.prepareStatement(sql)) {
                    select.setString(1, key.scope());
                    select.setString(2, key.periodKey());
                    try (ResultSet rows = select.executeQuery()) {
                        return rows.next() ? reader.read(rows) : none;
                    }
                }
            });
        }

        private void flushQuietly() {
            try {
                flush();
                if (failing) {
                    failing = false;
                    LOG.info("budget counters written to the ledger database again");
                }
            } catch (RuntimeException e) {
                if (!failing) {
                    failing = true;
                    LOG.warn("could not write the budget counters to the ledger database ({}); retrying", e.toString());
                }
            }
        }

        /** Writes every changed window in one transaction; on failure they stay marked for the next write. */
        void flush() {
            flushing.lock();
            try {
                record Row(Key key, Window window, BigDecimal spent, BigDecimal reserved) {
                }
                List<Row> rows = new ArrayList<>();
                lock.lock();
                try {
                    if (!anyDirty) {
                        return;
                    }
                    for (Map.Entry<Key, Window> entry : windows.entrySet()) {
                        Window window = entry.getValue();
                        if (window.dirty) {
                            rows.add(new Row(entry.getKey(), window, window.spent, window.reserved));
                            window.dirty = false;
                        }
                    }
                    anyDirty = false;
                } finally {
                    lock.unlock();
                }
                try {
                    database.inTransaction(connection -> {
                        try (PreparedStatement upsert = connection.prepareStatement(UPSERT)) {
                            for (Row row : rows) {
                                upsert.setString(1, row.key().scope());
                                upsert.setString(2, row.key().periodKey());
                                upsert.setBigDecimal(3, row.spent());
                                upsert.setBigDecimal(4, row.reserved());
                                upsert.addBatch();
                            }
                            upsert.executeBatch();
                        }
                        return null;
                    });
                } catch (RuntimeException e) {
                    lock.lock();
                    try {
                        rows.forEach(row -> row.window().dirty = true);
                        anyDirty = true;
                    } finally {
                        lock.unlock();
                    }
                    throw e;
                }
                evictEnded();
            } finally {
                flushing.unlock();
            }
        }

        /** Forgets windows whose period has ended, once written and with nothing held on them. */
        private void evictEnded() {
            long now = clock.millis();
            lock.lock();
            try {
                Iterator<Window> it = windows.values().iterator();
                while (it.hasNext()) {
                    Window window = it.next();
                    if (!window.dirty && window.resetsAtMillis < now && window.reserved.signum() == 0) {
                        it.remove();
                    }
                }
                countedUnheld.removeIf(counted -> !windows.containsKey(counted.window()));
            } finally {
                lock.unlock();
            }
        }

        /** Stops the timer and writes what changed; called before the database closes. */
        @Override
        public void close() {
            // No interrupt: H2's file channel closes itself when a thread is interrupted during a write.
            writer.shutdown();
            try {
                writer.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                flush();
            } catch (RuntimeException e) {
                LOG.warn("could not write the budget counters on close: {}", e.toString());
            }
        }
    }
}
