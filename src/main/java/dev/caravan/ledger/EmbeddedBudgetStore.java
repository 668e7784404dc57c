package dev.caravan.ledger;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * Budgets in the embedded H2 database: a reservation is a row in {@code budget_holds} plus a conditional
 * {@code UPDATE budgets ... WHERE spent + reserved + amount <= limit}, all windows in one transaction.
 */
public final class EmbeddedBudgetStore implements BudgetStore {

    private static final String ENSURE_ROW = """
            MERGE INTO budgets b USING (VALUES (CAST(? AS VARCHAR), CAST(? AS VARCHAR))) s(scope, period)
            ON b.scope = s.scope AND b.period = s.period
            WHEN NOT MATCHED THEN INSERT (scope, period, spent, reserved) VALUES (s.scope, s.period, 0, 0)""";

    /** Signals, inside a transaction, which window had no room; the transaction rolls back. */
    private static final class NoRoom extends RuntimeException {
        private final transient BudgetWindow window;

        NoRoom(BudgetWindow window) {
            super(null, null, false, false);
            this.window = window;
        }
    }

    private final EmbeddedDatabase database;

    public EmbeddedBudgetStore(EmbeddedDatabase database) {
        this.database = database;
    }

    @Override
    public Optional<BudgetWindow> reserve(String reservationId, List<BudgetWindow> windows, BigDecimal amount) {
        try {
            database.inTransaction(connection -> {
                for (BudgetWindow window : windows) {
                    if (!hold(connection, reservationId, window, amount)) {
                        return null; // already held by an earlier call with this id
                    }
                    ensureRow(connection, window);
                    try (PreparedStatement update = connection.prepareStatement("UPDATE budgets SET reserved = reserved + ? "
                            + "WHERE scope = ? AND period = ? AND spent + reserved + ? <= ?")) {
                        update.setBigDecimal(1, amount);
                        update.setString(2, window.scope());
                        update.setString(3, window.periodKey());
                        update.setBigDecimal(4, amount);
                        update.setBigDecimal(5, window.limit());
                        if (update.executeUpdate() == 0) {
                            throw new NoRoom(window);
                        }
                    }
                }
                return null;
            });
            return Optional.empty();
        } catch (NoRoom e) {
            return Optional.of(e.window);
        }
    }

    private static boolean hold(Connection connection, String reservationId, BudgetWindow window, BigDecimal amount)
            throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO budget_holds "
                + "(reservation_id, scope, period, amount) SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM budget_holds "
                + "WHERE reservation_id = ? AND scope = ? AND period = ?)")) {
            insert.setString(1, reservationId);
            insert.setString(2, window.scope());
            insert.setString(3, window.periodKey());
            insert.setBigDecimal(4, amount);
            insert.setString(5, reservationId);
            insert.setString(6, window.scope());
            insert.setString(7, window.periodKey());
            return insert.executeUpdate() == 1;
        }
    }

    private static void ensureRow(Connection connection, BudgetWindow window) throws SQLException {
        try (PreparedStatement merge = connection.prepareStatement(ENSURE_ROW)) {
            merge.setString(1, window.scope());
            merge.setString(2, window.periodKey());
            merge.executeUpdate();
        }
    }

    @Override
    public void settle(String reservationId, List<BudgetWindow> windows, BigDecimal reserved, BigDecimal actual) {
        database.inTransaction(connection -> {
            for (BudgetWindow window : windows) {
                try (PreparedStatement delete = connection.prepareStatement(
                        "DELETE FROM budget_holds WHERE reservation_id = ? AND scope = ? AND period = ?")) {
                    delete.setString(1, reservationId);
                    delete.setString(2, window.scope());
                    delete.setString(3, window.periodKey());
                    if (delete.executeUpdate() == 0) {
                        continue; // settled or released before
                    }
                }
                try (PreparedStatement update = connection.prepareStatement("UPDATE budgets SET reserved = reserved - ?, "
                        + "spent = spent + ? WHERE scope = ? AND period = ?")) {
                    update.setBigDecimal(1, reserved);
                    update.setBigDecimal(2, actual);
                    update.setString(3, window.scope());
                    update.setString(4, window.periodKey());
                    update.executeUpdate();
                }
            }
            return null;
        });
    }

    @Override
    public BudgetState state(String scope, String periodKey) {
        return database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT spent, reserved FROM budgets WHERE scope = ? AND period = ?")) {
                select.setString(1, scope);
                select.setString(2, periodKey);
                try (ResultSet rows = select.executeQuery()) {
                    return rows.next()
                            ? new BudgetState(rows.getBigDecimal(1).stripTrailingZeros(), rows.getBigDecimal(2).stripTrailingZeros())
                            : BudgetState.EMPTY;
                }
            }
        });
    }
}
