package dev.caravan.ledger;

import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeAction;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.AttributeValueUpdate;
import software.amazon.awssdk.services.dynamodb.model.ComparisonOperator;
import software.amazon.awssdk.services.dynamodb.model.ExpectedAttributeValue;

import static dev.caravan.ledger.DdbEndpoints.expect;
import static dev.caravan.ledger.DdbEndpoints.update;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Budgets in the counters table (key {@code budget#<scope>} + period), through camel-aws2-ddb endpoints
 * ({@link DdbEndpoints}). DynamoDB conditions cannot add, so an item keeps {@code committed = spent + reserved} next
 * to both, and a reservation is one UpdateItem {@code ADD committed :a, reserved :a, holds {id}} on condition
 * {@code committed <= limit - a} and {@code holds} not containing the id: DynamoDB applies it atomically, so no
 * interleaving of instances can overshoot. {@code holds} makes every step idempotent per request, and {@code unheld}
 * the counting of calls that held nothing on the budget (added while they ran). A period's item is made the first
 * time a hold finds none, with the spend its scope's cost counter shows for the period (a budget added mid-period
 * counts what was spent before it). A request held on several budgets is reserved on one after the other and given
 * back if a later one is full or its hold fails.
 */
public final class DynamoBudgetStore implements BudgetStore {

    private static final Logger LOG = LoggerFactory.getLogger(DynamoBudgetStore.class);
    private static final String PREFIX = "budget#";
    /** Tries of a catch-up with the records while settlements keep changing the window's spend. */
    private static final int CATCH_UP_ATTEMPTS = 5;

    private final DdbEndpoints dynamo;
    private final String table;

    /** @param clientBean the registry name of the DynamoDB client the endpoints use */
    public DynamoBudgetStore(CamelContext context, String clientBean, DynamoSettings settings) {
        this.dynamo = new DdbEndpoints(context, clientBean);
        this.table = settings.countersTable();
    }

    @Override
    public Optional<BudgetWindow> reserve(String reservationId, List<BudgetWindow> windows, BigDecimal amount) {
        List<BudgetWindow> held = new ArrayList<>();
        for (BudgetWindow window : windows) {
            boolean fits;
            try {
                fits = hold(reservationId, window, amount);
            } catch (RuntimeException e) {
                // The failed hold may have landed (a timeout after the write): it is given back too.
                held.add(window);
                LOG.warn("reserving request {} on the {} failed ({}); giving back its holds", reservationId, window,
                        e.toString());
                giveBack(reservationId, held, amount);
                throw e;
            }
            if (!fits) {
                giveBack(reservationId, held, amount);
                return Optional.of(window);
            }
            held.add(window);
        }
        return Optional.empty();
    }

    /** Releases each window on its own (best effort), so that one failure leaves no other window held. */
    private void giveBack(String reservationId, List<BudgetWindow> held, BigDecimal amount) {
        for (BudgetWindow window : held) {
            try {
                settle(reservationId, List.of(window), amount, BigDecimal.ZERO);
            } catch (RuntimeException e) {
                LOG.warn("could not give back request {}'s hold on the {} ({})", reservationId, window, e.toString());
            }
        }
    }

    private boolean hold(String reservationId, BudgetWindow window, BigDecimal amount) {
        BigDecimal headroom = window.limit().subtract(amount);
        if (headroom.signum() < 0) {
            return false;
        }
        Map<String, AttributeValue> key = key(window.scope(), window.periodKey());
        Map<String, AttributeValueUpdate> add = Map.of(
                "committed", update(AttributeAction.ADD, DynamoRecordItems.n(amount)),
                "reserved", update(AttributeAction.ADD, DynamoRecordItems.n(amount)),
                "holds", update(AttributeAction.ADD, AttributeValue.fromSs(List.of(reservationId))));
        Map<String, ExpectedAttributeValue> fits = Map.of(
                "committed", expect(ComparisonOperator.LE, DynamoRecordItems.n(headroom)),
                "holds", expect(ComparisonOperator.NOT_CONTAINS, AttributeValue.fromS(reservationId)));
        if (dynamo.update(table, key, add, fits)) {
            return true;
        }
        Map<String, AttributeValue> item = dynamo.get(table, key);
        if (!item.containsKey("committed")) {
            startFromRecords(key, window);
            return dynamo.update(table, key, add, fits) || holds(dynamo.get(table, key), reservationId);
        }
        return holds(item, reservationId);
    }

    /**
     * Makes the period's item, starting from what the period's cost counter says was spent (a budget added
     * mid-period). Only the first maker's condition holds, so no two instances add it twice.
     */
    private void startFromRecords(Map<String, AttributeValue> key, BudgetWindow window) {
        AttributeValue spent = DynamoRecordItems.n(counted(window.scope(), window.periodKey()));
        dynamo.update(table, key, Map.of("committed", update(AttributeAction.ADD, spent),
                        "spent", update(AttributeAction.ADD, spent)),
                Map.of("committed", ExpectedAttributeValue.builder().comparisonOperator(ComparisonOperator.NULL).build()));
    }

    /** One ADD per window on condition that its item exists and its set {@code unheld} lacks the id. */
    @Override
    public void countUnheld(String reservationId, List<BudgetWindow> windows, BigDecimal actual) {
        AttributeValue cost = DynamoRecordItems.n(actual);
        Map<String, AttributeValueUpdate> add = Map.of("committed", update(AttributeAction.ADD, cost),
                "spent", update(AttributeAction.ADD, cost),
                "unheld", update(AttributeAction.ADD, AttributeValue.fromSs(List.of(reservationId))));
        Map<String, ExpectedAttributeValue> once = Map.of(
                "committed", ExpectedAttributeValue.builder().comparisonOperator(ComparisonOperator.NOT_NULL).build(),
                "unheld", expect(ComparisonOperator.NOT_CONTAINS, AttributeValue.fromS(reservationId)));
        for (BudgetWindow window : windows) {
            Map<String, AttributeValue> key = key(window.scope(), window.periodKey());
            if (!dynamo.update(table, key, add, once) && !dynamo.get(table, key).containsKey("committed")) {
                startFromRecords(key, window);
                dynamo.update(table, key, add, once); // false: counted before
            }
        }
    }

    /** The spend the cost records counted under the scope in the period (DynamoCostStore's counter, same table). */
    private BigDecimal counted(String scope, String periodKey) {
        return DynamoRecordItems.num(dynamo.get(table,
                Map.of("scope", AttributeValue.fromS(scope), "period", AttributeValue.fromS(periodKey))), "cost");
    }

    private static boolean holds(Map<String, AttributeValue> item, String reservationId) {
        AttributeValue holds = item.get("holds");
        return holds != null && holds.hasSs() && holds.ss().contains(reservationId);
    }

    @Override
    public void settle(String reservationId, List<BudgetWindow> windows, BigDecimal reserved, BigDecimal actual) {
        for (BudgetWindow window : windows) {
            // A false answer: nothing is held under this id any more (settled before).
            dynamo.update(table, key(window.scope(), window.periodKey()), Map.of(
                            "committed", update(AttributeAction.ADD, DynamoRecordItems.n(actual.subtract(reserved))),
                            "reserved", update(AttributeAction.ADD, DynamoRecordItems.n(reserved.negate())),
                            "spent", update(AttributeAction.ADD, DynamoRecordItems.n(actual)),
                            "holds", update(AttributeAction.DELETE, AttributeValue.fromSs(List.of(reservationId)))),
                    Map.of("holds", expect(ComparisonOperator.CONTAINS, AttributeValue.fromS(reservationId))));
        }
    }

    @Override
    public BudgetState state(String scope, String periodKey) {
        Map<String, AttributeValue> item = dynamo.get(table, key(scope, periodKey));
        if (item.isEmpty()) {
            return new BudgetState(counted(scope, periodKey), BigDecimal.ZERO);
        }
        return new BudgetState(DynamoRecordItems.num(item, "spent"), DynamoRecordItems.num(item, "reserved"));
    }

    /** Adds what the records count above {@code spent}, on condition that no settlement changed it meanwhile. */
    @Override
    public boolean catchUp(BudgetWindow window) {
        Map<String, AttributeValue> key = key(window.scope(), window.periodKey());
        for (int attempt = 0; attempt < CATCH_UP_ATTEMPTS; attempt++) {
            Map<String, AttributeValue> item = dynamo.get(table, key);
            if (!item.containsKey("committed")) {
                return true; // made from the records at its first hold
            }
            BigDecimal spent = DynamoRecordItems.num(item, "spent");
            BigDecimal missing = counted(window.scope(), window.periodKey()).subtract(spent);
            if (missing.signum() <= 0) {
                return true;
            }
            AttributeValue add = DynamoRecordItems.n(missing);
            if (dynamo.update(table, key, Map.of("committed", update(AttributeAction.ADD, add),
                    "spent", update(AttributeAction.ADD, add)),
                    Map.of("spent", expect(ComparisonOperator.EQ, DynamoRecordItems.n(spent))))) {
                LOG.info("the {} counts {} USD its cost records spent while it did not apply", window,
                        missing.toPlainString());
                return true;
            }
        }
        return false;
    }

    private static Map<String, AttributeValue> key(String scope, String periodKey) {
        return Map.of("scope", AttributeValue.fromS(PREFIX + scope), "period", AttributeValue.fromS(periodKey));
    }
}
