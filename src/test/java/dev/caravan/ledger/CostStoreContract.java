package dev.caravan.ledger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The behaviour every cost store must have, run against the embedded store and against DynamoDB (dynalite), with
 * that of budget settlements waiting for a retry ({@link SettleRetryContract}). Subclasses say how to open a store
 * and its budget store, and how to take the store down and bring it back.
 */
abstract class CostStoreContract implements SettleRetryContract {

    static final Instant NOW = Instant.parse("2025-03-02T10:15:30Z");

    @TempDir
    Path spoolDir;

    private final List<AutoCloseable> opened = new ArrayList<>();

    @Override
    public Path spoolDir() {
        return spoolDir;
    }

    @Override
    public <T extends AutoCloseable> T closeLater(T resource) {
        opened.add(resource);
        return resource;
    }

    @AfterEach
    void closeOpened() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    static CostRecord record(String id, Instant at, String model, String provider, String user, String app,
                             BigDecimal cost) {
        return new CostRecord(id, at, provider, model, model, 100, 20, 10, 0, cost, user, app, "key-1",
                CostRecord.Status.OK, 250, 40L, 1, true);
    }

    static CostRecord record(String id, BigDecimal cost) {
        return record(id, NOW, "mock-small", "mock", "alice", "checkout", cost);
    }

    /** Costs with seven decimals, which binary floating point cannot add exactly. */
    static BigDecimal costOf(int i) {
        return BigDecimal.valueOf(1_000_003L * (i + 1), 9);
    }

    @Test
    void twoHundredConcurrentRecordsAreStoredOnceEachAndTheCountersEqualTheirExactSum() throws Exception {
        CostStore store = closeLater(openCostStore());
        List<Callable<Boolean>> writes = new ArrayList<>();
        BigDecimal sum = BigDecimal.ZERO;
        for (int i = 0; i < 200; i++) {
            CostRecord record = record("req-" + i, costOf(i));
            sum = sum.add(record.cost());
            writes.add(() -> store.record(record));
        }
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            for (Future<Boolean> created : pool.invokeAll(writes)) {
                assertTrue(created.get());
            }
        } finally {
            pool.shutdown();
        }

        for (String scope : List.of("global", "user:alice", "application:checkout", "key:key-1", "model:mock-small",
                "provider:mock")) {
            for (String period : List.of("2025-03-02", "2025-03")) {
                Counter counter = store.counter(scope, period);
                assertEquals(200, counter.requests(), scope + " " + period);
                assertAmount(sum, counter.cost(), scope + " " + period);
                assertEquals(200 * 100, counter.promptTokens());
            }
        }
        assertEquals(200, store.records("user:alice", NOW.minusSeconds(1), NOW.plusSeconds(1), 1000).size());
        CostRecord stored = store.find("req-17").orElseThrow();
        assertAmount(costOf(17), stored.cost(), "cost");
        assertEquals(record("req-17", stored.cost()), stored);
    }

    @Test
    void aReplayedRecordIsStoredAndCountedOnce() throws Exception {
        CostStore store = closeLater(openCostStore());
        CostRecord record = record("req-replayed", new BigDecimal("0.0123456"));

        assertTrue(store.record(record));
        assertFalse(store.record(record));
        assertFalse(store.record(record));

        Counter global = store.counter("global", "2025-03-02");
        assertEquals(1, global.requests());
        assertAmount("0.0123456", global.cost());
    }

    @Test
    void aStreamThatEndedWithoutUsageIsCountedAsUnreportedNotAsFree() throws Exception {
        CostStore store = closeLater(openCostStore());
        CostRecord noUsage = new CostRecord("req-no-usage", NOW, "openai", "gpt-4o-mini", "gpt-4o-mini", 0, 0, 0, 0,
                BigDecimal.ZERO, "bob", "chat", null, CostRecord.Status.PARTIAL, 900, 120L, 1, false);

        store.record(noUsage);

        Counter counter = store.counter("user:bob", "2025-03-02");
        assertEquals(1, counter.requests());
        assertEquals(1, counter.unreported());
        assertFalse(store.find("req-no-usage").orElseThrow().usageReported());
    }

    @Test
    void recordsWrittenWhileTheStoreIsDownAreSpooledAndLandExactlyOnceWhenItIsBack() throws Exception {
        CostStore store = openCostStore();
        Ledger ledger = closeLater(new Ledger(store, new BudgetLedger(BudgetConfig.none(), openBudgetStore(false),
                Clock.systemUTC()), new CostSpool(spoolDir), Duration.ofMillis(100), Duration.ofMillis(500)));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        BigDecimal sum = BigDecimal.ZERO;
        List<Future<?>> writes = new ArrayList<>();
        try {
            for (int i = 0; i < 120; i++) {
                CostRecord record = record("req-" + i, costOf(i));
                sum = sum.add(record.cost());
                writes.add(pool.submit(() -> ledger.record(record)));
                if (i == 40) {
                    for (Future<?> write : writes.subList(0, 20)) {
                        write.get(30, TimeUnit.SECONDS); // the outage starts with traffic flowing to the store
                    }
                    ledger.flush(); // what was handed over so far reached the store (the embedded one writes behind)
                    stopStore();
                }
                if (i % 10 == 0) {
                    Thread.sleep(5);
                }
            }
            for (Future<?> write : writes) {
                write.get(30, TimeUnit.SECONDS); // record() never throws, outage or not
            }
        } finally {
            pool.shutdown();
        }
        ledger.flush(); // the embedded store's records are written behind
        long spooled = ledger.spoolDepth();
        assertTrue(spooled > 0 && spooled <= 100, "records spooled during the outage: " + spooled);

        startStore();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (ledger.spoolDepth() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }

        assertEquals(0, ledger.spoolDepth());
        for (int i = 0; i < 120; i++) {
            assertTrue(store.find("req-" + i).isPresent(), "req-" + i);
        }
        Counter global = store.counter("global", "2025-03-02");
        assertEquals(120, global.requests());
        assertAmount(sum, global.cost(), "global");
        assertEquals(120, store.counter("model:mock-small", "2025-03").requests());
    }

    @Test
    void concurrentReservationsFromTwoGatewaysNeverTakeSpendAboveTheLimit() throws Exception {
        closeLater(openCostStore());
        BudgetConfig config = BudgetConfig.parse("global: {daily: 1.00}\nusers: {alice: {monthly: 0.75}}");
        List<BudgetLedger> gateways = List.of(
                new BudgetLedger(config, openBudgetStore(false), Clock.systemUTC()),
                new BudgetLedger(config, openBudgetStore(true), Clock.systemUTC()));
        BigDecimal worstCase = new BigDecimal("0.03");
        List<Callable<BigDecimal>> calls = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            BudgetLedger gateway = gateways.get(i % 2);
            String id = "req-" + i;
            String user = i % 3 == 0 ? "bob" : "alice";
            calls.add(() -> {
                BudgetReservation reservation;
                try {
                    reservation = gateway.reserve(id, "checkout", user, null, worstCase);
                } catch (BudgetExceededException full) {
                    return BigDecimal.ZERO;
                }
                BigDecimal actual = new BigDecimal("0.02" + ThreadLocalRandom.current().nextInt(10));
                gateway.settle(reservation, actual);
                gateway.settle(reservation, actual); // a repeated settle changes nothing
                return actual;
            });
        }
        ExecutorService pool = Executors.newFixedThreadPool(16);
        BigDecimal spent = BigDecimal.ZERO;
        int served = 0;
        try {
            for (Future<BigDecimal> call : pool.invokeAll(calls)) {
                spent = spent.add(call.get());
                served += call.get().signum();
            }
        } finally {
            pool.shutdown();
        }

        BudgetStatus global = gateways.get(0).budgetsOf("global").get(0);
        assertAmount(spent, global.spent(), "global spend");
        assertTrue(global.spent().compareTo(new BigDecimal("1.00")) <= 0, "global spend " + global.spent());
        assertAmount("0", global.reserved());
        BigDecimal alice = gateways.get(1).budgetsOf("user:alice").get(0).spent();
        assertTrue(alice.compareTo(new BigDecimal("0.75")) <= 0, "alice's spend " + alice);
        assertTrue(served >= 30, "requests that fitted: " + served);
    }

    @Test
    void aCallOverItsBudgetIsRefusedNamingTheBudgetAndWhenItResets() throws Exception {
        closeLater(openCostStore());
        Clock lateOnNewYearsEve = Clock.fixed(Instant.parse("2025-12-31T23:30:00Z"), ZoneOffset.UTC);
        BudgetLedger budgets = new BudgetLedger(BudgetConfig.parse("""
                global: {daily: 100, monthly: 2000}
                users: {alice: {daily: 0.10}}
                """), openBudgetStore(false), lateOnNewYearsEve);

        BudgetReservation first = budgets.reserve("req-1", "checkout", "alice", "key-1", new BigDecimal("0.08"));

        BudgetExceededException e = assertThrows(BudgetExceededException.class,
                () -> budgets.reserve("req-2", "checkout", "alice", "key-1", new BigDecimal("0.05")));
        assertEquals(429, e.status());
        assertEquals("budget_exceeded", e.type());
        assertEquals("user:alice", e.budget().scope());
        assertEquals(Period.DAY, e.budget().period());
        assertAmount("0.10", e.budget().limit());
        assertEquals(Instant.parse("2026-01-01T00:00:00Z"), e.resetsAt());
        assertEquals(30 * 60 * 1000, e.retryAfterMillis());
        // Nothing of the refused call stays held, on the global budgets either.
        for (BudgetStatus global : budgets.budgetsOf("global")) {
            assertAmount("0.08", global.reserved());
        }

        budgets.release(first);
        BudgetReservation retried = budgets.reserve("req-2", "checkout", "alice", "key-1", new BigDecimal("0.05"));
        budgets.settle(retried, new BigDecimal("0.04"));

        assertEquals(List.of("global daily 2025-12-31 2026-01-01T00:00:00Z", "global monthly 2025-12 2026-01-01T00:00:00Z",
                        "user:alice daily 2025-12-31 2026-01-01T00:00:00Z"),
                budgets.budgets().stream().map(b -> b.scope() + " " + b.period() + " " + b.periodKey() + " " + b.resetsAt())
                        .toList());
        assertAmount("0.04", budgets.budgetsOf("user:alice").get(0).spent());
        assertAmount("0", budgets.budgetsOf("user:alice").get(0).reserved());
    }

    @Test
    void aBudgetRemovedAndAddedAgainInOnePeriodCountsWhatWasSpentWhileItWasAway() throws Exception {
        CostStore costs = closeLater(openCostStore());
        BudgetConfig alice = BudgetConfig.parse("users: {alice: {daily: 1.00}}");
        BudgetLedger budgets = new BudgetLedger(alice, openBudgetStore(false), Clock.fixed(NOW, ZoneOffset.UTC));
        call(budgets, costs, "before", "0.30");

        budgets.replace(BudgetConfig.none());
        call(budgets, costs, "while-away", "0.50"); // no budget applies: nothing is held, the cost is recorded

        budgets.replace(alice);
        BudgetStatus back = budgets.budgetsOf("user:alice").get(0);
        assertAmount(new BigDecimal("0.80"), back.spent(), "alice's day after her budget came back");
        assertThrows(BudgetExceededException.class,
                () -> budgets.reserve("over", "checkout", "alice", "key-1", new BigDecimal("0.30")));
        call(budgets, costs, "after", "0.10");
        assertAmount(new BigDecimal("0.90"), budgets.budgetsOf("user:alice").get(0).spent(), "alice's day");
        assertAmount("0", budgets.budgetsOf("user:alice").get(0).reserved());
    }

    /** The same for a key's own limits, removed and given back through the admin API (PATCH /admin/keys/{id}). */
    @Test
    void aKeysOwnLimitsRemovedAndGivenBackCountWhatTheKeySpentMeanwhile() throws Exception {
        CostStore costs = closeLater(openCostStore());
        BudgetLedger budgets = new BudgetLedger(BudgetConfig.none(), openBudgetStore(false),
                Clock.fixed(NOW, ZoneOffset.UTC));
        Map<Period, BigDecimal> daily = Map.of(Period.DAY, new BigDecimal("1.00"));
        BigDecimal before = new BigDecimal("0.30");
        budgets.settle(budgets.reserve("before", "checkout", "alice", "key-1", daily, before), before);
        costs.record(record("before", before));

        budgets.keyLimitsChanged("key-1"); // its limits removed
        call(budgets, costs, "while-away", "0.50"); // the key has no limits: nothing is held, the cost is recorded

        budgets.keyLimitsChanged("key-1"); // and given back
        assertThrows(BudgetExceededException.class,
                () -> budgets.reserve("over", "checkout", "alice", "key-1", daily, new BigDecimal("0.30")),
                "0.80 spent of 1.00: 0.30 more does not fit");
        BudgetReservation fits = budgets.reserve("fits", "checkout", "alice", "key-1", daily, new BigDecimal("0.20"));
        budgets.settle(fits, new BigDecimal("0.20"));
    }

    @Test
    void aCallInFlightWhenItsBudgetIsAddedIsCountedOnItOnce() throws Exception {
        CostStore costs = closeLater(openCostStore());
        BudgetLedger budgets = new BudgetLedger(BudgetConfig.none(), openBudgetStore(false),
                Clock.fixed(NOW, ZoneOffset.UTC));
        call(budgets, costs, "earlier", "0.20");
        BudgetReservation inFlight = budgets.reserve("in-flight", "checkout", "alice", "key-1", new BigDecimal("0.50"));

        budgets.replace(BudgetConfig.parse("users: {alice: {daily: 1.00}}"));
        // The budget's first call makes its counter, from the records: the call in flight has none yet.
        BudgetReservation next = budgets.reserve("next", "checkout", "alice", "key-1", new BigDecimal("0.10"));
        budgets.settle(inFlight, new BigDecimal("0.40"));
        costs.record(record("in-flight", NOW, "mock-small", "mock", "alice", "checkout", new BigDecimal("0.40")));
        budgets.settle(inFlight, new BigDecimal("0.40")); // a repeated settle changes nothing
        budgets.settle(next, new BigDecimal("0.10"));
        costs.record(record("next", NOW, "mock-small", "mock", "alice", "checkout", new BigDecimal("0.10")));

        BudgetStatus status = budgets.budgetsOf("user:alice").get(0);
        assertAmount(new BigDecimal("0.70"), status.spent(), "earlier 0.20, in flight 0.40, next 0.10");
        assertAmount("0", status.reserved());
        assertThrows(BudgetExceededException.class,
                () -> budgets.reserve("over", "checkout", "alice", "key-1", new BigDecimal("0.31")));
    }

    @Test
    void aNegativeCostIsRefusedAndSettlesNothing() throws Exception {
        closeLater(openCostStore());
        BudgetLedger budgets = new BudgetLedger(BudgetConfig.parse("global: {daily: 1.00}"), openBudgetStore(false),
                Clock.fixed(NOW, ZoneOffset.UTC));
        BudgetReservation reservation = budgets.reserve("req-1", null, null, null, new BigDecimal("0.5"));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> budgets.settle(reservation, new BigDecimal("-0.1")));
        assertEquals("a settled cost cannot be negative: -0.1", e.getMessage());
        assertAmount("0.5", budgets.budgetsOf("global").get(0).reserved());
        assertAmount("0", budgets.budgetsOf("global").get(0).spent());

        budgets.settle(reservation, new BigDecimal("0.2"));
        assertAmount("0", budgets.budgetsOf("global").get(0).reserved());
        assertAmount("0.2", budgets.budgetsOf("global").get(0).spent());
    }

    /** A call of alice's on the budgets that apply, settled at {@code cost}, then its cost record, as the routes do. */
    private static void call(BudgetLedger budgets, CostStore costs, String id, String cost) {
        BigDecimal actual = new BigDecimal(cost);
        BudgetReservation reservation = budgets.reserve(id, "checkout", "alice", "key-1", actual);
        budgets.settle(reservation, actual);
        costs.record(record(id, NOW, "mock-small", "mock", "alice", "checkout", actual));
    }

    @Test
    void spendIsGroupedByDayModelProviderUserAndApplicationOverADateRange() throws Exception {
        CostStore store = closeLater(openCostStore());
        Instant dayOne = Instant.parse("2025-03-01T08:00:00Z");
        Instant dayTwo = Instant.parse("2025-03-02T23:59:59Z");
        store.record(record("a", dayOne, "gpt-4o", "openai", "alice", "checkout", new BigDecimal("0.50")));
        store.record(record("b", dayOne, "claude-3-haiku", "anthropic", "bob", "checkout", new BigDecimal("0.25")));
        store.record(record("c", dayTwo, "gpt-4o", "openai", "bob", "search", new BigDecimal("0.125")));
        store.record(record("d", Instant.parse("2025-03-03T00:00:00Z"), "gpt-4o", "openai", "bob", "search",
                new BigDecimal("9")));
        LocalDate from = LocalDate.parse("2025-03-01");
        LocalDate to = LocalDate.parse("2025-03-02");

        assertEquals("[2025-03-01=0.75, 2025-03-02=0.125]", spend(store, SpendQuery.of(SpendQuery.Grouping.DAY, from, to)));
        assertEquals("[2025-03-01=0.25, 2025-03-02=0.125]",
                spend(store, new SpendQuery(SpendQuery.Grouping.DAY, from, to, "user:bob")));
        assertEquals("[gpt-4o=0.625, claude-3-haiku=0.25]", spend(store, SpendQuery.of(SpendQuery.Grouping.MODEL, from, to)));
        assertEquals("[openai=0.625, anthropic=0.25]", spend(store, SpendQuery.of(SpendQuery.Grouping.PROVIDER, from, to)));
        assertEquals("[alice=0.5, bob=0.375]", spend(store, SpendQuery.of(SpendQuery.Grouping.USER, from, to)));
        assertEquals("[checkout=0.75, search=0.125]", spend(store, SpendQuery.of(SpendQuery.Grouping.APPLICATION, from, to)));
        assertEquals(List.of("c", "d"), store.records("application:search", Instant.parse("2025-03-01T00:00:00Z"),
                Instant.parse("2025-03-04T00:00:00Z"), 10).stream().map(CostRecord::requestId).toList());
        assertEquals(List.of("b"), store.records("user:bob", dayOne, dayTwo, 10).stream().map(CostRecord::requestId).toList());
    }

    private static String spend(CostStore store, SpendQuery query) {
        return store.spend(query).stream().map(row -> row.group() + "=" + row.cost().stripTrailingZeros().toPlainString())
                .collect(Collectors.joining(", ", "[", "]"));
    }

    static void assertAmount(String expected, BigDecimal actual) {
        assertAmount(new BigDecimal(expected), actual, "amount");
    }

    static void assertAmount(BigDecimal expected, BigDecimal actual, String what) {
        assertEquals(0, expected.compareTo(actual), what + ": expected " + expected.toPlainString() + " but was "
                + actual.toPlainString());
    }
}
