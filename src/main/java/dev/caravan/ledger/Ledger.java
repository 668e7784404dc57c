package dev.caravan.ledger;

import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the routes call: record a request's cost (never failing the request), reserve, settle or release its
 * budget, and read spend and budgets. Records the store cannot take go to the spool and are replayed in the
 * background with exponential backoff; while the store is known to be down, records go straight to the spool.
 * The record of a request whose budget settlement waits for a retry waits in the spool too, until that settlement
 * ends: a budget catching up with the cost records meanwhile would count the call, and the settlement again.
 */
public final class Ledger implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Ledger.class);
    /** Most records written in one transaction. */
    private static final int MAX_BATCH = 64;
    /**
     * How long the writer lets records gather before a write: a transaction of one record cost ~3 times as much
     * CPU per record as one of 32 (H2 on the benchmark machine). H2 itself writes commits up to 500 ms late.
     */
    private static final long GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final CostStore store;
    private final BudgetLedger budgets;
    private EmbeddedDatabase database;
    private final CostSpool spool;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final ScheduledThreadPoolExecutor replayer;
    /** Budget settlements the store refused, tried again in the background. */
    private final SettleRetries settleRetries;
    /** Records waiting for the writer (see {@link #record}). */
    private final ConcurrentLinkedQueue<CostRecord> queued = new ConcurrentLinkedQueue<>();
    private final ReentrantLock writing = new ReentrantLock();
    /** Writes queued records (stores that write together only, else null). */
    private final ScheduledExecutorService writer;
    private final AtomicBoolean writeScheduled = new AtomicBoolean();
    private final Object replayState = new Object();
    private volatile boolean storeHealthy = true;
    private boolean replayScheduled;
    /** A settlement that records waited for ended since the running replay began: replay again after it. */
    private boolean replayAgain;
    private Duration backoff;
    /** Set by the close: from {@link #closeDeadline} on, replays leave what is spooled for the next start. */
    private volatile boolean closing;
    private volatile long closeDeadline;

    public Ledger(CostStore store, BudgetLedger budgets, CostSpool spool, Duration initialBackoff, Duration maxBackoff) {
        this.store = store;
        this.budgets = budgets;
        this.spool = spool;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.backoff = initialBackoff;
        this.writer = store.writesTogether() ? daemonScheduler("cost-write-behind") : null;
        this.replayer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "cost-spool-replay");
            thread.setDaemon(true);
            return thread;
        });
        // At close a replay waiting for its backoff is not waited for: the close replays what is left itself.
        replayer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.settleRetries = new SettleRetries(initialBackoff, maxBackoff, Clock.systemUTC(), this::settlementEnded);
        if (spool.spoolDepth() > 0) {
            LOG.info("{} cost records wait in the spool from an earlier run; replaying them", spool.spoolDepth());
            scheduleReplay(Duration.ZERO);
        }
    }

    /** How long {@link #close()} has for the budget settlements still waiting for a retry and the spool. */
    public static final Duration SETTLE_ON_CLOSE = Duration.ofSeconds(5);

    /** The client's name in the registry, for the DynamoDB store's camel-aws2-ddb endpoints. */
    public static final String DYNAMODB_CLIENT_BEAN = "caravanDynamoDb";

    /** Opens the embedded ledger (DynamoDB needs {@link #open(LedgerSettings, CamelContext)}). */
    public static Ledger open(LedgerSettings settings) {
        if (settings.usesDynamo()) {
            throw new IllegalArgumentException("the DynamoDB ledger talks through camel-aws2-ddb: open it with a CamelContext");
        }
        return open(settings, null);
    }

    /** Opens the configured store (embedded H2 or DynamoDB), the budgets file and the spool in the data directory. */
    public static Ledger open(LedgerSettings settings, CamelContext context) {
        BudgetConfig config = BudgetConfig.load(settings.budgetsFile());
        CostStore store;
        BudgetStore budgetStore;
        EmbeddedDatabase database = null;
        if (settings.usesDynamo()) {
            DynamoDbClient client = settings.dynamo().client();
            store = new DynamoCostStore(context, DYNAMODB_CLIENT_BEAN, client, settings.dynamo(), true);
            budgetStore = new DynamoBudgetStore(context, DYNAMODB_CLIENT_BEAN, settings.dynamo());
        } else {
            database = new EmbeddedDatabase(settings.dataDir());
            store = new EmbeddedCostStore(database);
            budgetStore = new EmbeddedBudgetStore(database);
        }
        Ledger ledger = new Ledger(store, new BudgetLedger(config, budgetStore, Clock.systemUTC()),
                new CostSpool(settings.dataDir()), settings.initialBackoff(), settings.maxBackoff());
        ledger.database = database;
        return ledger;
    }

    /** Whether budgets are counted in memory (the embedded store), so that holding and settling them never waits. */
    public boolean budgetsInMemory() {
        return database != null;
    }

    /** Whether the context's ledger counts budgets in memory (false without a ledger). */
    public static boolean budgetsInMemory(CamelContext context) {
        Ledger ledger = context.getRegistry().lookupByNameAndType("ledger", Ledger.class);
        return ledger != null && ledger.budgetsInMemory();
    }

    /** Tells the context's ledger, if there is one, that a key's own limits changed (see BudgetLedger). */
    public static void keyLimitsChanged(CamelContext context, String keyId) {
        Ledger ledger = context.getRegistry().lookupByNameAndType("ledger", Ledger.class);
        if (ledger != null) {
            ledger.budgetLedger().keyLimitsChanged(keyId);
        }
    }

    private static ScheduledExecutorService daemonScheduler(String threadName) {
        return Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The embedded database (for other embedded stores to share), or null with DynamoDB. */
    public EmbeddedDatabase embeddedDatabase() {
        return database;
    }

    /**
     * Stores the record, or spools it when the store fails. Never throws: the request has been answered.
     * With a store that writes records together (the embedded one) the record is queued and the call returns at
     * once: the ledger's writer lets records gather for a few milliseconds and stores every record queued by then in
     * one transaction (group commit), so this never blocks and no thread is woken per record. Other stores (DynamoDB)
     * are written by the caller.
     */
    public void record(CostRecord record) {
        if (!record.usageReported()) {
            LOG.warn("request {} ended without its whole usage from {} ({}); recorded as unreported, cost {} (estimated)",
                    record.requestId(), record.provider(), record.model(), record.cost().toPlainString());
        }
        if (!writesBehind()) {
            storeOrSpool(List.of(record));
            return;
        }
        queued.add(record);
        if (!writeScheduled.get() && writeScheduled.compareAndSet(false, true)) {
            try {
                writer.schedule(this::writeBehind, GATHER_NANOS, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closing) {
                writeScheduled.set(false);
                flush();
            }
        }
    }

    /** Whether {@link #record} only queues (the store writes records together, on the ledger's writer thread). */
    public boolean writesBehind() {
        return writer != null;
    }

    private void writeBehind() {
        writeScheduled.set(false);
        flush();
    }

    /** Writes every record queued so far (spend is read after this, so that it includes them). */
    public void flush() {
        writing.lock();
        try {
            writeQueued();
        } finally {
            writing.unlock();
        }
    }

    /** Writes what is queued, in batches of at most {@link #MAX_BATCH}; the caller holds {@link #writing}. */
    private void writeQueued() {
        List<CostRecord> batch = new ArrayList<>();
        CostRecord next;
        while ((next = queued.poll()) != null) {
            batch.add(next);
            if (batch.size() == MAX_BATCH) {
                storeOrSpool(batch);
                batch = new ArrayList<>();
            }
        }
        if (!batch.isEmpty()) {
            storeOrSpool(batch);
        }
    }

    private void storeOrSpool(List<CostRecord> records) {
        List<CostRecord> batch = spoolWhileSettlementsWait(records);
        if (batch.isEmpty()) {
            return;
        }
        if (storeHealthy) {
            try {
                store.recordAll(batch);
                return;
            } catch (RuntimeException e) {
                storeHealthy = false;
                LOG.warn("cost store failed ({}); spooling records until it is back", e.toString());
            }
        }
        boolean spooled = false;
        for (CostRecord record : batch) {
            try {
                spool.append(record);
                spooled = true;
            } catch (IOException | RuntimeException e) {
                LOG.error("cost record {} lost: neither the store nor the spool took it: {}", record.requestId(), record, e);
            }
        }
        if (spooled) {
            scheduleReplay(null);
        }
    }

    /**
     * Spools the records of requests whose budget settlement waits for a retry, until it ends ({@link SettleRetries});
     * returns the others, to be stored now.
     */
    private List<CostRecord> spoolWhileSettlementsWait(List<CostRecord> batch) {
        if (!settleRetries.anyWaiting()) {
            return batch;
        }
        List<CostRecord> now = new ArrayList<>(batch.size());
        for (CostRecord record : batch) {
            if (!settleRetries.waitsFor(record.requestId())) {
                now.add(record);
                continue;
            }
            try {
                spool.append(record);
            } catch (IOException | RuntimeException e) {
                // Better counted twice by a budget catching up meanwhile than lost: the records are what was spent.
                LOG.warn("cost record {} could not wait in the spool for its budget settlement ({}); storing it now",
                        record.requestId(), e.toString());
                now.add(record);
                continue;
            }
            if (!settleRetries.waitsFor(record.requestId())) {
                settlementEnded(); // it ended while the record was spooled: the replay it asked for may have run
            }
        }
        return now;
    }

    /**
     * Holds the request's worst-case cost on its budgets before the call.
     *
     * @throws BudgetExceededException (429 {@code budget_exceeded}) when a budget has no room for it
     */
    public BudgetReservation reserve(String requestId, String application, String userId, String keyId,
                                     BigDecimal worstCase) {
        return budgets.reserve(requestId, application, userId, keyId, worstCase);
    }

    /** As above, with limits set on the key itself in place of budgets.yaml's for that key. */
    public BudgetReservation reserve(String requestId, String application, String userId, String keyId,
                                     java.util.Map<Period, BigDecimal> keyLimits, BigDecimal worstCase) {
        return budgets.reserve(requestId, application, userId, keyId, keyLimits, worstCase);
    }

    /** Whether any budget applies to a caller with these ids and key limits (then every call must be priced). */
    public boolean budgetsApply(String application, String userId, String keyId, Map<Period, BigDecimal> keyLimits) {
        return budgets.applies(application, userId, keyId, keyLimits);
    }

    /**
     * Replaces the reservation by the real cost. Never throws; if the store fails, it is retried in the background. A
     * negative cost is refused (logged) and settles nothing.
     */
    public void settle(BudgetReservation reservation, BigDecimal actualCost) {
        if (actualCost == null || actualCost.signum() < 0) {
            // only this is refused for good: any other failure (a store's, whatever its type) is retried
            LOG.error("the budget of request {} was not settled: a settled cost cannot be negative: {}",
                    reservation.requestId(), actualCost);
            return;
        }
        try {
            budgets.settle(reservation, actualCost);
        } catch (RuntimeException e) {
            LOG.warn("could not settle the budget of request {} ({}); retrying in the background",
                    reservation.requestId(), e.toString());
            settleRetries.retry(reservation, "settle", () -> budgets.settle(reservation, actualCost));
        }
    }

    /** Gives the reservation back (the call failed before costing anything). Never throws; retried like a settle. */
    public void release(BudgetReservation reservation) {
        try {
            budgets.release(reservation);
        } catch (RuntimeException e) {
            LOG.warn("could not release the budget of request {} ({}); retrying in the background",
                    reservation.requestId(), e.toString());
            settleRetries.retry(reservation, "release", () -> budgets.release(reservation));
        }
    }

    public List<SpendRow> spend(SpendQuery query) {
        flush();
        return store.spend(query);
    }

    public List<BudgetStatus> budgets() {
        return budgets.budgets();
    }

    public List<BudgetStatus> budgetsOf(String scope) {
        return budgets.budgetsOf(scope);
    }

    public CostStore store() {
        return store;
    }

    /** Records waiting in the spool for the store (a gauge for metrics). */
    public long spoolDepth() {
        return spool.spoolDepth();
    }

    /** As {@link #close(Duration)}, within {@link #SETTLE_ON_CLOSE}. */
    @Override
    public void close() {
        close(SETTLE_ON_CLOSE);
    }

    /**
     * Writes the queued records; tries the budget settlements still waiting for a retry, for up to three quarters of
     * {@code within} (what does not land is logged, and keeps its hold until its period ends); then replays the spool,
     * with the records of those settlements, until {@code within} has passed; then closes. The settlements go first
     * because they are kept in memory only, and the records of theirs must follow them. What the store still refuses,
     * or has not taken in time (a replay still running then is not waited for), stays spooled for the next start.
     *
     * @throws IllegalArgumentException when {@code within} is negative; nothing is closed then
     */
    public void close(Duration within) {
        if (within.isNegative()) {
            throw new IllegalArgumentException("the time to settle within cannot be negative: " + within);
        }
        long deadline = System.nanoTime() + within.toNanos();
        closeDeadline = deadline;
        closing = true;
        if (writer != null) {
            writer.shutdown();
        }
        flush();
        // A quarter is kept for the records of settlements that do not land, which may reach the store only after.
        settleRetries.close(within.minus(within.dividedBy(4)));
        replayer.shutdown(); // no interrupt: H2's file channel closes itself when a thread is interrupted in a write
        try {
            if (!replayer.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                // Left open for it; what it has not stored when the store closes is replayed at the next start.
                LOG.warn("the cost spool's replay still runs as the ledger closes; what it has not stored stays "
                        + "spooled for the next start");
            } else {
                if (spool.spoolDepth() > 0) {
                    spool.replay(this::notYet, this::replayOne);
                }
                if (spool.spoolDepth() > 0) {
                    LOG.warn("{} cost records stay in the spool for the next start", spool.spoolDepth());
                }
                spool.close();
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("closing the cost spool: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            store.close();
        }
    }

    private boolean replayOne(CostRecord record) {
        store.record(record);
        return true;
    }

    /** Whether a spooled record stays spooled: its budget settlement waits, or the close's time is up. */
    private boolean notYet(CostRecord record) {
        return settleRetries.waitsFor(record.requestId()) || (closing && System.nanoTime() - closeDeadline >= 0);
    }

    /** A settlement that records waited for has ended: replay them now, or again right after the replay running. */
    private void settlementEnded() {
        synchronized (replayState) {
            replayAgain = true;
        }
        scheduleReplay(Duration.ZERO);
    }

    private void scheduleReplay(Duration delay) {
        synchronized (replayState) {
            if (replayScheduled || replayer.isShutdown()) {
                return;
            }
            try {
                replayer.schedule(this::replay, (delay == null ? backoff : delay).toMillis(), TimeUnit.MILLISECONDS);
                replayScheduled = true;
            } catch (RejectedExecutionException closed) {
                // the close replays what is spooled
            }
        }
    }

    private void replay() {
        synchronized (replayState) {
            replayAgain = false;
        }
        AtomicInteger held = new AtomicInteger();
        int taken = 0;
        try {
            taken = spool.replay(record -> {
                boolean notYet = notYet(record);
                if (notYet) {
                    held.incrementAndGet();
                }
                return notYet;
            }, this::replayOne);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cost spool replay failed: {}", e.toString());
        }
        Duration next = null;
        synchronized (replayState) {
            replayScheduled = false;
            if (spool.spoolDepth() <= held.get()) { // the store took every record it was offered
                storeHealthy = true;
                backoff = initialBackoff;
                if (held.get() == 0) {
                    LOG.info("cost spool drained ({} records replayed)", taken);
                } else if (taken > 0) {
                    LOG.info("{} spooled cost records replayed; {} wait for their budget settlement", taken,
                            held.get());
                }
                if (!replayAgain) {
                    return;
                }
                next = Duration.ZERO;
            } else {
                backoff = taken > 0 ? initialBackoff : min(backoff.multipliedBy(2), maxBackoff);
            }
        }
        scheduleReplay(next);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** The budgets part, whose limits can be replaced while serving. */
    public BudgetLedger budgetLedger() {
        return budgets;
    }
}
