package dev.caravan.ledger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With a store that writes records together (the embedded one) the ledger writes behind: {@code record} queues and
 * returns, the ledger's writer stores what gathered in one batch, and reads and {@code close} see every record.
 */
class LedgerWriteBehindTest {

    @TempDir
    Path dataDir;

    @Test
    void recordReturnsBeforeTheWriteAndTheWriterStoresWhatGatheredTogether() throws Exception {
        CountDownLatch storeMayWrite = new CountDownLatch(1);
        EmbeddedDatabase database = new EmbeddedDatabase(dataDir);
        WatchedStore store = new WatchedStore(new EmbeddedCostStore(database), storeMayWrite);
        try (Ledger ledger = ledger(store, database)) {
            assertTrue(ledger.writesBehind());
            for (int i = 0; i < 50; i++) {
                ledger.record(CostStoreContract.record("req-" + i, BigDecimal.ONE)); // the store is held: must not wait
            }
            assertTrue(store.batches.isEmpty(), "nothing written by the callers");
            storeMayWrite.countDown();
            awaitStored(store.delegate, "req-49");
            for (int i = 0; i < 50; i++) {
                assertTrue(store.delegate.find("req-" + i).isPresent(), "req-" + i);
            }
            assertTrue(store.batches.size() <= 2, "records written together: " + store.batches);
            assertNotEquals(Thread.currentThread().getName(), store.writers.get(0));
            assertEquals("cost-write-behind", store.writers.get(0));
        }
    }

    @Test
    void spendAndCloseSeeEveryRecordQueuedBeforeThem() {
        EmbeddedDatabase database = new EmbeddedDatabase(dataDir);
        EmbeddedCostStore store = new EmbeddedCostStore(database);
        Ledger ledger = ledger(store, database);
        Instant day = CostStoreContract.record("x", BigDecimal.ONE).timestamp();
        LocalDate date = day.atZone(java.time.ZoneOffset.UTC).toLocalDate();
        ledger.record(CostStoreContract.record("req-spend", new BigDecimal("0.25")));
        List<SpendRow> spend = ledger.spend(new SpendQuery(SpendQuery.Grouping.DAY, date, date, "global"));
        assertEquals(1, spend.size());
        assertEquals(0, new BigDecimal("0.25").compareTo(spend.get(0).cost()));

        ledger.record(CostStoreContract.record("req-at-close", BigDecimal.ONE));
        ledger.close();
        EmbeddedCostStore reopened = new EmbeddedCostStore(new EmbeddedDatabase(dataDir));
        try {
            assertTrue(reopened.find("req-at-close").isPresent(), "written by close");
        } finally {
            reopened.close();
        }
    }

    @Test
    void storesThatDoNotWriteTogetherAreWrittenByTheCaller() {
        EmbeddedDatabase database = new EmbeddedDatabase(dataDir);
        WatchedStore store = new WatchedStore(new EmbeddedCostStore(database), null) {
            @Override
            public boolean writesTogether() {
                return false;
            }
        };
        try (Ledger ledger = ledger(store, database)) {
            assertFalse(ledger.writesBehind());
            ledger.record(CostStoreContract.record("req-now", BigDecimal.ONE));
            assertTrue(store.delegate.find("req-now").isPresent());
            assertEquals(List.of(Thread.currentThread().getName()), store.writers);
        }
    }

    /**
     * The close writes what is queued first; however long that takes counts in its time, so the settlements still
     * waiting get three quarters of it from its start and the spool the rest.
     */
    @Test
    void aCloseWhoseWriteOfQueuedRecordsTakesLongStillEndsInItsTimeAndWritesTheSpool() throws Exception {
        CountDownLatch storeMayWrite = new CountDownLatch(1);
        EmbeddedDatabase database = new EmbeddedDatabase(dataDir);
        WatchedStore store = new WatchedStore(new EmbeddedCostStore(database), storeMayWrite);
        SettleRetryContract.RefusingSettlements budgets =
                new SettleRetryContract.RefusingSettlements(new EmbeddedBudgetStore(database));
        Ledger ledger = new Ledger(store, new BudgetLedger(BudgetConfig.parse(SettleRetryContract.ALICE), budgets,
                Clock.systemUTC()), new CostSpool(dataDir), Duration.ofMinutes(10), Duration.ofMinutes(10));
        BudgetReservation waiting = ledger.reserve("in-flight", "checkout", "alice", "key-1", new BigDecimal("0.50"));
        budgets.refuse(); // for good: the settle cannot land, and its record goes to the store at the close
        ledger.settle(waiting, new BigDecimal("0.40"));
        ledger.record(CostStoreContract.record("in-flight", Instant.now(), "mock-small", "mock", "alice", "checkout",
                new BigDecimal("0.40")));
        ledger.flush(); // spooled while its settle waits
        ledger.record(CostStoreContract.record("slow-write", BigDecimal.ONE));
        Thread opener = new Thread(() -> {
            try {
                Thread.sleep(3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            storeMayWrite.countDown(); // the queued record's write takes 3 of the close's 4 s
        });
        opener.start();

        long start = System.nanoTime();
        ledger.close(Duration.ofSeconds(4));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertTrue(tookMillis < 5_000, "the close took " + tookMillis + " ms of its 4000");
        EmbeddedCostStore reopened = new EmbeddedCostStore(new EmbeddedDatabase(dataDir));
        try {
            assertTrue(reopened.find("slow-write").isPresent(), "written by close");
            assertTrue(reopened.find("in-flight").isPresent(), "replayed from the spool by close");
        } finally {
            reopened.close();
        }
    }

    private Ledger ledger(CostStore store, EmbeddedDatabase database) {
        return new Ledger(store, new BudgetLedger(BudgetConfig.none(), new EmbeddedBudgetStore(database), Clock.systemUTC()),
                new CostSpool(dataDir), Duration.ofMillis(100), Duration.ofMillis(500));
    }

    private static void awaitStored(CostStore store, String requestId) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (store.find(requestId).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    /** The embedded store, remembering each write's batch size and thread, optionally held until a latch opens. */
    private static class WatchedStore implements CostStore {
        final CostStore delegate;
        final CountDownLatch mayWrite;
        final List<Integer> batches = new CopyOnWriteArrayList<>();
        final List<String> writers = new CopyOnWriteArrayList<>();

        WatchedStore(CostStore delegate, CountDownLatch mayWrite) {
            this.delegate = delegate;
            this.mayWrite = mayWrite;
        }

        @Override
        public boolean record(CostRecord record) {
            recordAll(List.of(record));
            return true;
        }

        @Override
        public void recordAll(List<CostRecord> records) {
            if (mayWrite != null) {
                try {
                    mayWrite.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            batches.add(records.size());
            writers.add(Thread.currentThread().getName());
            delegate.recordAll(new ArrayList<>(records));
        }

        @Override
        public boolean writesTogether() {
            return delegate.writesTogether();
        }

        @Override
        public Optional<CostRecord> find(String requestId) {
            return delegate.find(requestId);
        }

        @Override
        public List<CostRecord> records(String scope, Instant from, Instant to, int limit) {
            return delegate.records(scope, from, to, limit);
        }

        @Override
        public Counter counter(String scope, String periodKey) {
            return delegate.counter(scope, periodKey);
        }

        @Override
        public List<Counter> dailyCounters(String scopeKind, LocalDate from, LocalDate to) {
            return delegate.dailyCounters(scopeKind, from, to);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
