package dev.caravan.ledger;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.caravan.ledger.CostStoreContract.assertAmount;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A budget settlement the store refused waits for its retry; the call's cost record reaches the cost records only
 * once that settlement has ended, so a budget catching up with the records meanwhile (after an edit of the limits,
 * or at its first use on a gateway) and the retry never both count the call, whether the retry lands in the
 * background, lands as the ledger closes or never lands. Run on every store through its contract test (the embedded
 * one and dynalite); the budget store refuses settlements on command, as an outage or throttling of its item would.
 */
interface SettleRetryContract {

    String ALICE = "users: {alice: {daily: 1.00}}";

    /** A fresh, empty store. */
    CostStore openCostStore() throws Exception;

    /** The budget store beside the last opened cost store; {@code secondInstance}: as another gateway would open it. */
    BudgetStore openBudgetStore(boolean secondInstance) throws Exception;

    /** Makes the last opened store fail every call, as an outage does. */
    void stopStore() throws Exception;

    /** Ends the outage; the data written before it is still there. */
    void startStore() throws Exception;

    /** The last opened budget store as the next start opens it, once the ledger on it has closed. */
    BudgetStore budgetStoreAfterClose() throws Exception;

    /** Where the ledgers of a test keep their spool. */
    Path spoolDir();

    <T extends AutoCloseable> T closeLater(T resource);

    @Test
    default void aCallWhoseSettleWaitsIsCountedOnceWhenItsBudgetCatchesUpAndTheRetryLandsInTheBackground()
            throws Exception {
        CallWaiting call = aCallWhoseSettleWaits(Duration.ofMillis(20));
        Ledger ledger = closeLater(call.ledger());

        BudgetStatus meanwhile = ledger.budgetsOf("user:alice").get(0); // caught up with the records
        assertAmount(new BigDecimal("0"), meanwhile.spent(), "spent while the call's settle waits");
        assertAmount(new BigDecimal("0.50"), meanwhile.reserved(), "held while the call's settle waits");
        call.budgets().accept();
        assertTrue(call.budgets().settled.await(30, TimeUnit.SECONDS), "the retry landed");
        awaitRecorded(ledger.store(), "in-flight");
        ledger.budgetLedger().replace(BudgetConfig.parse(ALICE)); // another edit, the call's record now in

        BudgetStatus after = ledger.budgetsOf("user:alice").get(0);
        assertAmount(new BigDecimal("0.40"), after.spent(), "alice's day");
        assertAmount(new BigDecimal("0"), after.reserved(), "held");
    }

    @Test
    default void aCallWhoseSettleWaitsIsCountedOnceWhenItsBudgetCatchesUpAndTheRetryLandsAsTheLedgerCloses()
            throws Exception {
        CallWaiting call = aCallWhoseSettleWaits(Duration.ofMinutes(10));
        Ledger ledger = call.ledger();

        assertAmount(new BigDecimal("0"), ledger.budgetsOf("user:alice").get(0).spent(), "spent while it waits");
        call.budgets().accept();
        ledger.close();

        BudgetStatus nextStart = atNextStart(BudgetConfig.parse(ALICE)).budgetsOf("user:alice").get(0);
        assertAmount(new BigDecimal("0.40"), nextStart.spent(), "alice's day, caught up with the records again");
        assertAmount(new BigDecimal("0"), nextStart.reserved(), "held");
    }

    @Test
    default void aCallWhoseSettleNeverLandsIsCountedOnceFromItsRecordWhichTheCloseWrites() throws Exception {
        CallWaiting call = aCallWhoseSettleWaits(Duration.ofMinutes(10));
        Ledger ledger = call.ledger();

        ledger.close(Duration.ofSeconds(8)); // still refused: the settle cannot land; its record has the last 2 s

        // Its hold may stay (until the period ends), but the budget counts the call once, from its record.
        BudgetStatus nextStart = atNextStart(BudgetConfig.parse(ALICE)).budgetsOf("user:alice").get(0);
        assertAmount(new BigDecimal("0.40"), nextStart.spent(), "alice's day");
    }

    @Test
    default void aSettleStillBeingTriedWhenTheCloseEndsKeepsItsRecordInTheSpool() throws Exception {
        CallWaiting call = aCallWhoseSettleWaits(Duration.ofMinutes(10));
        Ledger ledger = call.ledger();
        CountDownLatch gate = call.budgets().stall(); // the close's attempt will wait for this

        try {
            ledger.close(Duration.ofSeconds(1));

            // The attempt may still land, so the record may not reach the cost records: the next start replays it.
            assertEquals(1, new CostSpool(spoolDir()).spoolDepth(), "the record waits in the spool");
        } finally {
            gate.countDown();
        }
    }

    /** The close tries the settle first and then writes the spooled record: the budget must not wait for the record. */
    @Test
    default void aBudgetAddedWhileACallRanCountsItWhenItsSettleLandsAsTheLedgerClosesWithItsRecordStillSpooled()
            throws Exception {
        Instant now = Instant.now();
        CostStore costs = openCostStore();
        RefusingSettlements budgets = new RefusingSettlements(openBudgetStore(false));
        Ledger ledger = openLedger(costs, budgets, BudgetConfig.none(), Duration.ofMinutes(10));
        BudgetReservation inFlight = ledger.reserve("in-flight", "checkout", "alice", "key-1", new BigDecimal("0.50"));
        ledger.budgetLedger().replace(BudgetConfig.parse(ALICE));
        call(ledger, "next", "0.10", now); // the budget's first call makes its counter, without the call in flight
        budgets.refuse();
        ledger.settle(inFlight, new BigDecimal("0.40")); // refused: it waits for its retry
        stopStore();
        try {
            ledger.record(aliceRecord("in-flight", "0.40", now)); // the cost store is down too: spooled
            ledger.flush();
        } finally {
            startStore();
        }
        budgets.accept();

        ledger.close();

        BudgetState alice = budgetStoreAfterClose().state("user:alice", Period.DAY.key(now));
        assertAmount(new BigDecimal("0.50"), alice.spent(), "next 0.10 and in flight 0.40, with no catch-up since");
    }

    /** A ledger on a fresh store, and the budget store under it that refuses settlements on command. */
    record CallWaiting(Ledger ledger, RefusingSettlements budgets) {
    }

    /**
     * On a ledger retrying after {@code retryBackoff}, alice's call holds 0.50 on her budget and costs 0.40; the store
     * refuses its settle, so it waits for its retry. Its cost record is handed to the ledger meanwhile, and an edit of
     * the limits makes her budget catch up with the records at its next use.
     */
    private CallWaiting aCallWhoseSettleWaits(Duration retryBackoff) throws Exception {
        CostStore costs = openCostStore();
        RefusingSettlements budgets = new RefusingSettlements(openBudgetStore(false));
        Ledger ledger = openLedger(costs, budgets, BudgetConfig.parse(ALICE), retryBackoff);
        BudgetReservation call = ledger.reserve("in-flight", "checkout", "alice", "key-1", new BigDecimal("0.50"));
        budgets.refuse();
        ledger.settle(call, new BigDecimal("0.40")); // never throws
        ledger.record(aliceRecord("in-flight", "0.40", Instant.now()));
        ledger.flush();
        ledger.budgetLedger().replace(BudgetConfig.parse(ALICE));
        return new CallWaiting(ledger, budgets);
    }

    /** A call of alice's that holds and costs {@code cost}, settled and recorded as the routes do. */
    private static void call(Ledger ledger, String id, String cost, Instant now) {
        BigDecimal actual = new BigDecimal(cost);
        ledger.settle(ledger.reserve(id, "checkout", "alice", "key-1", actual), actual);
        ledger.record(aliceRecord(id, cost, now));
        ledger.flush();
    }

    private static CostRecord aliceRecord(String id, String cost, Instant at) {
        return CostStoreContract.record(id, at, "mock-small", "mock", "alice", "checkout", new BigDecimal(cost));
    }

    /** A ledger on the stores, retrying refused settlements and spooled records after {@code retryBackoff}. */
    default Ledger openLedger(CostStore costs, BudgetStore budgets, BudgetConfig limits, Duration retryBackoff) {
        return new Ledger(costs, new BudgetLedger(limits, budgets, Clock.systemUTC()),
                new CostSpool(spoolDir()), retryBackoff, retryBackoff.multipliedBy(10));
    }

    /** The budgets as the next start sees them: each is caught up with the cost records at its first use. */
    private BudgetLedger atNextStart(BudgetConfig limits) throws Exception {
        return new BudgetLedger(limits, budgetStoreAfterClose(), Clock.systemUTC());
    }

    private static void awaitRecorded(CostStore store, String requestId) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (store.find(requestId).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(store.find(requestId).isPresent(), requestId + " recorded");
    }

    /**
     * A budget store that refuses settlements while told to, as an outage or throttling of its items would, or holds
     * them up, as a slow store would.
     */
    final class RefusingSettlements implements BudgetStore {

        private final BudgetStore store;
        private volatile boolean refusing;
        private volatile CountDownLatch stalled;
        /** Opens at the first settlement that lands. */
        final CountDownLatch settled = new CountDownLatch(1);

        RefusingSettlements(BudgetStore store) {
            this.store = store;
        }

        void refuse() {
            refusing = true;
        }

        void accept() {
            refusing = false;
        }

        /** Settlements from now on wait until the latch returned is opened, then land. */
        CountDownLatch stall() {
            refusing = false;
            stalled = new CountDownLatch(1);
            return stalled;
        }

        @Override
        public Optional<BudgetWindow> reserve(String reservationId, List<BudgetWindow> windows, BigDecimal amount) {
            return store.reserve(reservationId, windows, amount);
        }

        @Override
        public void settle(String reservationId, List<BudgetWindow> windows, BigDecimal reserved, BigDecimal actual) {
            refuseWhenTold();
            store.settle(reservationId, windows, reserved, actual);
            settled.countDown();
        }

        @Override
        public void countUnheld(String reservationId, List<BudgetWindow> windows, BigDecimal actual) {
            refuseWhenTold();
            store.countUnheld(reservationId, windows, actual);
            settled.countDown();
        }

        @Override
        public BudgetState state(String scope, String periodKey) {
            return store.state(scope, periodKey);
        }

        @Override
        public boolean catchUp(BudgetWindow window) {
            return store.catchUp(window);
        }

        private void refuseWhenTold() {
            if (refusing) {
                throw new IllegalStateException("the budget store refuses settlements");
            }
            CountDownLatch gate = stalled;
            try {
                if (gate != null && !gate.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the stalled settlement was never let through");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
