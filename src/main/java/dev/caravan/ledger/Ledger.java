package dev.caravan.ledger;

import dev.caravan.core.GatewayException;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the routes call: record a request's cost (never failing the request), reserve, settle or release its
 * budget, and read spend and budgets. Records go to the store, or to the spool when the store cannot take them
 * ({@link CostRecordWriter}), and are replayed from there in the background ({@link SpoolReplay}). The record of a
 * request whose budget settlement waits for a retry ({@link SettleRetries}) waits in the spool too, until that
 * settlement ends: a budget catching up with the cost records meanwhile would count the call, and the settlement
 * again. {@link #close(Duration)} is the shutdown sequence.
 */
public final class Ledger implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Ledger.class);

    private final CostStore store;
    private final BudgetLedger budgets;
    private EmbeddedDatabase database;
    private final CostSpool spool;
    /** Budget settlements the store refused, tried again in the background. */
    private final SettleRetries settleRetries;
    private final SpoolReplay replay;
    private final CostRecordWriter writer;
    /** At most a line a minute for records whose cost is an estimate: with "\n" stops on Claude most streams are. */
    private final UnreportedUsageLog unreported = new UnreportedUsageLog(LOG, Duration.ofMinutes(1), System::nanoTime);

    public Ledger(CostStore store, BudgetLedger budgets, CostSpool spool, Duration initialBackoff, Duration maxBackoff) {
        this.store = store;
        this.budgets = budgets;
        this.spool = spool;
        this.settleRetries = new SettleRetries(initialBackoff, maxBackoff, Clock.systemUTC(), this::settlementEnded);
        this.replay = new SpoolReplay(spool, store, settleRetries, initialBackoff, maxBackoff);
        this.writer = new CostRecordWriter(store, spool, settleRetries, replay);
    }

    /** How long {@link #close()} has for the budget settlements still waiting for a retry and the spool. */
    public static final Duration SETTLE_ON_CLOSE = Duration.ofSeconds(5);

    /**
     * Most records waiting for the store at once (DynamoDB, written by the cost route's threads): the record of a
     * request that ends while that many wait goes to the spool, to be replayed, rather than wait behind them.
     */
    public static final int STORE_WRITES_AT_ONCE = 16;

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
            unreported.note(record);
        }
        writer.record(record);
    }

    /** Whether {@link #record} only queues (the store writes records together, on the ledger's writer thread). */
    public boolean writesBehind() {
        return writer.writesBehind();
    }

    /** Writes every record queued so far (spend is read after this, so that it includes them). */
    public void flush() {
        writer.flush();
    }

    /**
     * Holds the request's worst-case cost on its budgets before the call.
     *
     * @throws BudgetExceededException (429 {@code budget_exceeded}) when a budget has no room for it
     */
    public BudgetReservation reserve(String requestId, String application, String userId, String keyId,
                                     BigDecimal worstCase) {
        return reserve(requestId, application, userId, keyId, Map.of(), worstCase);
    }

    /**
     * As above, with limits set on the key itself in place of budgets.yaml's for that key.
     *
     * @throws GatewayException 503 {@code ledger_unavailable} when the store cannot be reached: nothing is held
     */
    public BudgetReservation reserve(String requestId, String application, String userId, String keyId,
                                     Map<Period, BigDecimal> keyLimits, BigDecimal worstCase) {
        try {
            return budgets.reserve(requestId, application, userId, keyId, keyLimits, worstCase);
        } catch (GatewayException | IllegalArgumentException refused) {
            throw refused;
        } catch (BudgetLedger.HoldFailed e) {
            // What may have landed (a write whose answer was lost) is given back in the background once the store
            // answers again: a release, a no-op where nothing is held, and no second wait on a failing store for this
            // caller (the store already gave back the holds it knew had landed).
            settleRetries.releaseDoubtful(e.reservation(), () -> budgets.release(e.reservation()));
            throw unavailable("hold the budget of request " + requestId, e.getCause());
        } catch (RuntimeException e) {
            throw unavailable("hold the budget of request " + requestId, e);
        }
    }

    /**
     * The store could not be reached (an outage, throttling, a timeout): the caller is asked to try again shortly,
     * as when the identity provider's keys cannot be fetched; a failure of the gateway itself it is not.
     */
    private static GatewayException unavailable(String what, Throwable e) {
        LOG.warn("could not {}: the ledger's store failed ({})", what, e.toString());
        return new GatewayException(503, "server_error", "ledger_unavailable", null,
                "The gateway's ledger (budgets and spend) cannot be reached; try again shortly", true, 1000);
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

    /** @throws GatewayException 503 {@code ledger_unavailable} when the store cannot be reached */
    public List<SpendRow> spend(SpendQuery query) {
        flush();
        try {
            return store.spend(query);
        } catch (RuntimeException e) {
            throw unavailable("read spend", e);
        }
    }

    /** @throws GatewayException 503 {@code ledger_unavailable} when the store cannot be reached */
    public List<BudgetStatus> budgets() {
        try {
            return budgets.budgets();
        } catch (RuntimeException e) {
            throw unavailable("read the budgets", e);
        }
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
     * Writes the queued records; tries the budget settlements still waiting for a retry until three quarters of
     * {@code within} have passed since the close began, the writing of the queued records included (what does not
     * land is logged, and keeps its hold until its period ends); then replays the spool, with the records of those
     * settlements, until {@code within} has passed; then closes. The settlements go first because they are kept in
     * memory only, and the records of theirs must follow them. What the store still refuses, or has not taken in time
     * (a replay still running then is not waited for), stays spooled for the next start.
     *
     * @throws IllegalArgumentException when {@code within} is negative; nothing is closed then
     */
    public void close(Duration within) {
        if (within.isNegative()) {
            throw new IllegalArgumentException("the time to settle within cannot be negative: " + within);
        }
        long deadline = System.nanoTime() + within.toNanos();
        // A quarter is kept for the records of settlements that do not land, which may reach the store only after.
        long settledBy = deadline - within.dividedBy(4).toNanos();
        replay.stopAt(deadline);
        writer.close();
        settleRetries.close(Duration.ofNanos(Math.max(0, settledBy - System.nanoTime())));
        try {
            replay.close();
        } finally {
            store.close();
        }
    }

    /**
     * Told by the settle retries that a request's last waiting settlement has ended, so that its record goes on (they
     * are made before the replay, which asks them which records wait).
     */
    private void settlementEnded() {
        replay.settlementEnded();
    }

    /** The budgets part, whose limits can be replaced while serving. */
    public BudgetLedger budgetLedger() {
        return budgets;
    }
}
