package dev.caravan.ledger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded budget counters live in memory; their H2 rows are written behind and survive a restart. */
class EmbeddedBudgetStoreTest {

    @TempDir
    Path dataDir;

    private static List<BudgetWindow> windows() {
        return List.of(BudgetWindow.at("global", Period.DAY, new BigDecimal("10"), Instant.now()));
    }

    @Test
    void settledSpendSurvivesARestart() {
        BudgetWindow window = windows().get(0);
        EmbeddedDatabase database = new EmbeddedDatabase(dataDir);
        EmbeddedBudgetStore store = new EmbeddedBudgetStore(database);
        assertTrue(store.reserve("r1", windows(), new BigDecimal("0.5")).isEmpty());
        store.settle("r1", windows(), new BigDecimal("0.5"), new BigDecimal("0.25"));
        assertTrue(store.reserve("r2", windows(), new BigDecimal("0.5")).isEmpty());
        store.release("r2", windows(), new BigDecimal("0.5"));
        database.close();

        EmbeddedDatabase reopened = new EmbeddedDatabase(dataDir);
        try {
            BudgetState state = new EmbeddedBudgetStore(reopened).state("global", window.periodKey());
            assertEquals(0, new BigDecimal("0.25").compareTo(state.spent()), state.toString());
            assertEquals(0, state.reserved().signum(), state.toString());
        } finally {
            reopened.close();
        }
    }

    @Test
    void whatCallsInFlightHeldIsGivenBackAtTheNextStartAndTheirSpendIsKept() {
        BudgetWindow window = windows().get(0);
        EmbeddedDatabase database = new EmbeddedDatabase(dataDir);
        EmbeddedBudgetStore store = new EmbeddedBudgetStore(database);
        assertTrue(store.reserve("done", windows(), new BigDecimal("1")).isEmpty());
        store.settle("done", windows(), new BigDecimal("1"), new BigDecimal("0.25"));
        assertTrue(store.reserve("in-flight", windows(), new BigDecimal("6")).isEmpty());
        database.close(); // the process stops with a call running; its hold was written behind

        EmbeddedDatabase reopened = new EmbeddedDatabase(dataDir);
        try {
            EmbeddedBudgetStore after = new EmbeddedBudgetStore(reopened);
            BudgetState state = after.state("global", window.periodKey());
            assertEquals(0, state.reserved().signum(), state.toString());
            assertEquals(0, new BigDecimal("0.25").compareTo(state.spent()), state.toString());
            assertTrue(after.reserve("next", windows(), new BigDecimal("9.75")).isEmpty(),
                    "the whole limit but the spend is free again");
        } finally {
            reopened.close();
        }
    }

    @Test
    void aBudgetAddedMidPeriodStartsFromWhatTheCostRecordsCountedInIt() {
        Instant now = Instant.now();
        EmbeddedDatabase database = new EmbeddedDatabase(dataDir);
        try {
            new EmbeddedCostStore(database).record(CostStoreContract.record("before-the-budget", now, "mock-echo",
                    "mock", "alice", "app", new BigDecimal("0.03")));
            List<BudgetWindow> alice = List.of(BudgetWindow.at("user:alice", Period.DAY, new BigDecimal("0.04"), now));
            EmbeddedBudgetStore store = new EmbeddedBudgetStore(database);

            BudgetState before = store.state("user:alice", alice.get(0).periodKey());
            assertEquals(0, new BigDecimal("0.03").compareTo(before.spent()), before.toString());
            assertTrue(store.reserve("r1", alice, new BigDecimal("0.02")).isPresent(), "0.03 + 0.02 is over 0.04");
            assertTrue(store.reserve("r2", alice, new BigDecimal("0.01")).isEmpty(), "0.03 + 0.01 fits");
            BudgetState state = store.state("user:alice", alice.get(0).periodKey());
            assertEquals(0, new BigDecimal("0.03").compareTo(state.spent()), state.toString());
        } finally {
            database.close();
        }
    }

    @Test
    void changesReachTheDatabaseWithinAFewWriteIntervals() throws Exception {
        BudgetWindow window = windows().get(0);
        EmbeddedDatabase database = new EmbeddedDatabase(dataDir);
        try {
            EmbeddedBudgetStore store = new EmbeddedBudgetStore(database);
            store.reserve("r1", windows(), new BigDecimal("1"));
            store.settle("r1", windows(), new BigDecimal("1"), new BigDecimal("0.75"));
            BigDecimal stored = null;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline) {
                Thread.sleep(EmbeddedBudgetStore.FLUSH_MILLIS / 2);
                stored = storedSpend(window.periodKey());
                if (stored != null && stored.compareTo(new BigDecimal("0.75")) == 0) {
                    break;
                }
            }
            assertEquals(0, new BigDecimal("0.75").compareTo(stored), "stored spend " + stored);
        } finally {
            database.close();
        }
    }

    @Test
    void storesOnOneDatabaseShareTheirCounters() {
        EmbeddedDatabase database = new EmbeddedDatabase(dataDir);
        try {
            List<BudgetWindow> small = List.of(BudgetWindow.at("global", Period.DAY, new BigDecimal("1"), Instant.now()));
            EmbeddedBudgetStore a = new EmbeddedBudgetStore(database);
            EmbeddedBudgetStore b = new EmbeddedBudgetStore(database);
            assertTrue(a.reserve("r1", small, new BigDecimal("0.6")).isEmpty());
            assertTrue(b.reserve("r2", small, new BigDecimal("0.6")).isPresent());
        } finally {
            database.close();
        }
    }

    private BigDecimal storedSpend(String periodKey) throws Exception {
        try (Connection connection = DriverManager.getConnection("jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("ledger")
                + ";IFEXISTS=TRUE"); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT spent FROM budgets WHERE scope = 'global' AND period = '"
                     + periodKey + "'")) {
            return rows.next() ? rows.getBigDecimal(1) : null;
        }
    }
}
