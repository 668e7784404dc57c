package dev.caravan.ledger;

import dev.caravan.ops.LogLines;
import dev.caravan.support.Eventually;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract on DynamoDB, served by a real dynalite that the test starts, kills and restarts. */
class DynamoCostStoreTest extends CostStoreContract {

    @TempDir
    static Path dynaliteDir;

    private static Dynalite dynalite;
    private static CamelContext camel;
    private static int tables;

    private DynamoDbClient client;
    private DynamoSettings settings;

    @BeforeAll
    static void startDynalite() throws Exception {
        dynalite = Dynalite.start(dynaliteDir.resolve("db"));
        camel = new DefaultCamelContext();
        camel.start();
    }

    @AfterAll
    static void stopDynalite() throws Exception {
        camel.close();
        dynalite.close();
    }

    @Override
    public CostStore openCostStore() {
        int n = ++tables;
        settings = new DynamoSettings(dynalite.endpoint(), "us-east-1", "ai-costs-" + n, "ai-cost-counters-" + n, true);
        client = settings.client(credentials());
        return new DynamoCostStore(camel, "dynamo-" + n, client, settings, true);
    }

    @Override
    public BudgetStore openBudgetStore(boolean secondInstance) {
        if (!secondInstance) {
            return new DynamoBudgetStore(camel, "dynamo-" + tables, settings);
        }
        DynamoDbClient own = closeLater(settings.client(credentials()));
        camel.getRegistry().bind("dynamo-" + tables + "-second", own);
        return new DynamoBudgetStore(camel, "dynamo-" + tables + "-second", settings);
    }

    @Override
    public BudgetStore budgetStoreAfterClose() {
        return openBudgetStore(true);
    }

    @Override
    public void stopStore() throws Exception {
        dynalite.stop();
    }

    @Override
    public void startStore() throws Exception {
        dynalite.start();
    }

    @Test
    void aRecordWhoseWriteStoppedHalfWayIsFinishedByItsReplayWithoutCountingAnythingTwice() throws Exception {
        DynamoCostStore store = (DynamoCostStore) closeLater(openCostStore());
        CostRecord record = record("req-half", new java.math.BigDecimal("0.4200001"));
        // What a write cut off by an outage leaves: the record with its pending counters, two of them reached.
        Map<String, AttributeValue> item = new HashMap<>(DynamoRecordItems.toItem(record));
        List<String> counters = DynamoCostStore.counterKeys(record);
        item.put("pendingCounters", AttributeValue.fromSs(counters));
        client.putItem(b -> b.tableName(settings.recordsTable()).item(item));
        store.addToCounter(counters.get(0), record);
        store.addToCounter(counters.get(1), record);

        assertTrue(store.record(record));
        assertFalse(store.record(record));

        for (String scope : List.of("global", "user:alice", "model:mock-small")) {
            for (String period : List.of("2025-03-02", "2025-03")) {
                Counter counter = store.counter(scope, period);
                assertEquals(1, counter.requests(), scope + " " + period);
                assertAmount(record.cost(), counter.cost(), scope + " " + period);
            }
        }
    }

    @Test
    void aReservationWhoseLaterHoldFailsGivesBackTheHoldsItMadeBefore() throws Exception {
        closeLater(openCostStore());
        BudgetStore store = openBudgetStore(false);
        Instant now = Instant.now();
        BudgetWindow global = BudgetWindow.at("global", Period.MONTH, new BigDecimal("1"), now);
        // A key over DynamoDB's 2048 bytes: the table refuses its hold with a validation error.
        BudgetWindow unkeyable = BudgetWindow.at("user:" + "u".repeat(3000), Period.MONTH, new BigDecimal("1"), now);

        assertThrows(RuntimeException.class,
                () -> store.reserve("req-1", List.of(global, unkeyable), new BigDecimal("0.6")));

        assertAmount("0", store.state("global", global.periodKey()).reserved());
        assertTrue(store.reserve("req-2", List.of(global), new BigDecimal("0.6")).isEmpty(), "the budget is free");
    }

    @Test
    void aSettleRefusedDuringAnOutageLandsInTheBackgroundOnceTheStoreIsBack() throws Exception {
        CostStore costs = openCostStore();
        BudgetLedger budgets = new BudgetLedger(BudgetConfig.parse("global: {daily: 1.00}"), openBudgetStore(false),
                Clock.systemUTC());
        Ledger ledger = closeLater(new Ledger(costs, budgets, new CostSpool(spoolDir), Duration.ofMillis(20),
                Duration.ofMillis(200)));
        BudgetReservation reservation = ledger.reserve("req-out", null, null, null, new BigDecimal("0.6"));

        stopStore();
        try {
            ledger.settle(reservation, new BigDecimal("0.25")); // refused by the outage; never throws
        } finally {
            startStore();
        }

        BudgetStatus global = budgets.budgetsOf("global").get(0);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (global.reserved().signum() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
            global = budgets.budgetsOf("global").get(0);
        }
        assertAmount("0", global.reserved());
        assertAmount("0.25", global.spent());
    }

    @Test
    void aSettleWaitingForItsRetryWhenTheLedgerClosesLandsBeforeItCloses() throws Exception {
        Ledger ledger = ledgerRetryingInTenMinutes(BudgetConfig.parse("global: {daily: 1.00}"));
        BudgetReservation reservation = refusedSettle(ledger, "req-at-stop");
        try (LogLines log = LogLines.capture(SettleRetries.class.getName())) {
            ledger.close();
            assertEquals(List.of(), log.matching(line -> line.level().equals("WARN")), "nothing was left unsettled");
        }

        BudgetState global = openBudgetStore(true).state("global", reservation.windows().get(0).periodKey());
        assertAmount("0", global.reserved());
        assertAmount("0.25", global.spent());
    }

    @Test
    void aSettleThatCannotLandBeforeTheLedgerClosesIsCountedInTheLog() throws Exception {
        Ledger ledger = ledgerRetryingInTenMinutes(BudgetConfig.parse("global: {daily: 1.00}"));
        BudgetReservation reservation = refusedSettle(ledger, "req-lost");
        stopStore(); // down again while the ledger closes
        try (LogLines log = LogLines.capture(SettleRetries.class.getName())) {
            ledger.close(Duration.ofSeconds(2));

            List<LogLines.Line> warned = log.matching(line -> line.level().equals("WARN")
                    && line.message().startsWith("1 budget settlements could not land"));
            assertEquals(1, warned.size(), log.lines().toString());
            assertFalse(warned.get(0).message().contains("req-lost"), warned.get(0).message());
        } finally {
            startStore();
        }
        assertAmount("0.6", openBudgetStore(true).state("global", reservation.windows().get(0).periodKey()).reserved());
        assertThrows(IllegalArgumentException.class, () -> ledger.close(Duration.ofSeconds(-1)));
    }

    /** A ledger on a fresh store whose background retries would wait ten minutes: only its close lands them. */
    private Ledger ledgerRetryingInTenMinutes(BudgetConfig limits) throws Exception {
        CostStore costs = openCostStore();
        return openLedger(costs, openBudgetStore(false), limits, Duration.ofMinutes(10));
    }

    /** 0.6 held on the ledger's budgets for {@code id}, settled at 0.25 during an outage: it waits for its retry. */
    private BudgetReservation refusedSettle(Ledger ledger, String id) throws Exception {
        BudgetReservation reservation = ledger.reserve(id, null, null, null, new BigDecimal("0.6"));
        settleDuringAnOutage(ledger, reservation, "0.25");
        return reservation;
    }

    /** The store refuses the settle (it never throws); it waits for its retry. */
    private void settleDuringAnOutage(Ledger ledger, BudgetReservation reservation, String cost) throws Exception {
        stopStore();
        try {
            ledger.settle(reservation, new BigDecimal(cost));
        } finally {
            startStore();
        }
    }

    @Test
    void aBudgetAddedMidPeriodStartsFromWhatTheCostRecordsCountedInIt() throws Exception {
        Instant now = Instant.now();
        CostStore costs = closeLater(openCostStore());
        costs.record(record("before-the-budget", now, "mock-echo", "mock", "alice", "app", new BigDecimal("0.03")));
        BudgetStore store = openBudgetStore(false);
        List<BudgetWindow> alice = List.of(BudgetWindow.at("user:alice", Period.DAY, new BigDecimal("0.04"), now));

        assertAmount("0.03", store.state("user:alice", alice.get(0).periodKey()).spent());
        assertTrue(store.reserve("r1", alice, new BigDecimal("0.02")).isPresent(), "0.03 + 0.02 is over 0.04");
        assertTrue(store.reserve("r2", alice, new BigDecimal("0.01")).isEmpty(), "0.03 + 0.01 fits");
        assertAmount("0.03", store.state("user:alice", alice.get(0).periodKey()).spent());
    }

    /**
     * While DynamoDB is behind, the cost route's threads wait for its answers; once {@link Ledger#STORE_WRITES_AT_ONCE}
     * of them wait, the record of the next request goes to the spool at once instead of waiting behind them (it waited
     * before, as did every record after it, until the cost route's queue was full and it ran on the event loop); it
     * reaches the store once the store catches up.
     */
    @Test
    void aRecordThatWouldWaitBehindTheWritesAlreadyWaitingForTheStoreIsSpooledAndReplayedLater(@TempDir Path spoolDir)
            throws Exception {
        ExecutorService costRoute = Executors.newFixedThreadPool(Ledger.STORE_WRITES_AT_ONCE);
        try (DynamoInBetween dynamo = new DynamoInBetween(dynalite.endpoint())) {
            DynamoSettings settings = new DynamoSettings(dynamo.endpoint(), "us-east-1", "ai-costs-slow",
                    "ai-cost-counters-slow", true);
            DynamoCostStore store = new DynamoCostStore(camel, "dynamo-slow", settings.client(credentials()), settings,
                    true);
            Ledger ledger = new Ledger(store, new BudgetLedger(BudgetConfig.none(),
                    new DynamoBudgetStore(camel, "dynamo-slow", settings), Clock.systemUTC()), new CostSpool(spoolDir),
                    Duration.ofMillis(100), Duration.ofMillis(500));
            try (ledger) {
                dynamo.slowDown();
                for (int i = 0; i < Ledger.STORE_WRITES_AT_ONCE; i++) {
                    CostRecord waiting = record("waiting-" + i, new BigDecimal("0.01"));
                    costRoute.execute(() -> ledger.record(waiting));
                }
                Eventually.until(() -> dynamo.received.stream().filter(body -> body.contains("waiting-")).count()
                        == Ledger.STORE_WRITES_AT_ONCE, 30_000, "every waiting record's write reached DynamoDB");

                CostRecord behind = record("behind-them", new BigDecimal("0.02"));
                try (LogLines log = LogLines.capture(Ledger.class.getName())) {
                    ledger.record(behind);
                    ledger.record(record("behind-them-too", new BigDecimal("0.03")));

                    assertEquals(1, log.matching(line -> line.message().contains("cost store is slow")).size(),
                            "one warning for the spell");
                }
                assertFalse(dynamo.received.stream().anyMatch(body -> body.contains("behind-them")),
                        "the records did not wait for the store");
                assertEquals(2, ledger.spoolDepth());

                dynamo.catchUp();
                Eventually.until(() -> ledger.spoolDepth() == 0, 30_000, "the spool replayed");
                assertFalse(store.record(behind), "already stored");
            }
        } finally {
            costRoute.shutdownNow();
        }
    }

    /**
     * The cost route runs on an event loop only when the pool behind the wire tap is full: a record made there goes to
     * the spool and is replayed, rather than hold the loop (and every connection on it) while DynamoDB answers.
     */
    @Test
    void aRecordMadeOnAnEventLoopIsSpooledNotWaitedFor(@TempDir Path spoolDir) throws Exception {
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try (DynamoInBetween dynamo = new DynamoInBetween(dynalite.endpoint())) {
            DynamoSettings settings = new DynamoSettings(dynamo.endpoint(), "us-east-1", "ai-costs-loop",
                    "ai-cost-counters-loop", true);
            DynamoCostStore store = new DynamoCostStore(camel, "dynamo-loop", settings.client(credentials()), settings,
                    true);
            Ledger ledger = new Ledger(store, new BudgetLedger(BudgetConfig.none(),
                    new DynamoBudgetStore(camel, "dynamo-loop", settings), Clock.systemUTC()), new CostSpool(spoolDir),
                    Duration.ofMillis(100), Duration.ofMillis(500));
            try (ledger) {
                dynamo.slowDown();
                CostRecord onLoop = record("made-on-a-loop", new BigDecimal("0.04"));
                java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
                vertx.getOrCreateContext().runOnContext(event -> {
                    ledger.record(onLoop);
                    done.complete(null);
                });
                done.get(10, java.util.concurrent.TimeUnit.SECONDS);

                assertFalse(dynamo.received.stream().anyMatch(body -> body.contains("made-on-a-loop")),
                        "the loop did not wait for DynamoDB");
                assertEquals(1, ledger.spoolDepth());

                dynamo.catchUp();
                Eventually.until(() -> ledger.spoolDepth() == 0, 30_000, "the spool replayed");
                assertFalse(store.record(onLoop), "already stored");
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    private static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    }
}
