package dev.caravan.ledger;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Budgets in the counters table (key {@code budget#<scope>} + period). DynamoDB conditions cannot add, so an item
 * keeps {@code committed = spent + reserved} next to both, and a reservation is one UpdateItem
 * {@code ADD committed :a, reserved :a, holds {id}} on condition {@code committed <= limit - a}: DynamoDB applies it
 * atomically, so no interleaving of instances can overshoot. {@code holds} makes every step idempotent per request.
 * A request held on several budgets is reserved on one after the other and given back if a later one is full.
 */
public final class DynamoBudgetStore implements BudgetStore {

    private static final String PREFIX = "budget#";

    private final DynamoDbClient client;
    private final String table;

    public DynamoBudgetStore(DynamoDbClient client, DynamoSettings settings) {
        this.client = client;
        this.table = settings.countersTable();
    }

    @Override
    public Optional<BudgetWindow> reserve(String reservationId, List<BudgetWindow> windows, BigDecimal amount) {
        List<BudgetWindow> held = new ArrayList<>();
        for (BudgetWindow window : windows) {
            if (!hold(reservationId, window, amount)) {
                settle(reservationId, held, amount, BigDecimal.ZERO);
                return Optional.of(window);
            }
            held.add(window);
        }
        return Optional.empty();
    }

    private boolean hold(String reservationId, BudgetWindow window, BigDecimal amount) {
        BigDecimal headroom = window.limit().subtract(amount);
        if (headroom.signum() < 0) {
            return false;
        }
        try {
            client.updateItem(b -> b.tableName(table).key(key(window.scope(), window.periodKey()))
                    .updateExpression("ADD committed :a, reserved :a, holds :ids")
                    .conditionExpression("(attribute_not_exists(committed) OR committed <= :headroom) "
                            + "AND NOT contains(holds, :id)")
                    .expressionAttributeValues(Map.of(":a", DynamoRecordItems.n(amount),
                            ":headroom", DynamoRecordItems.n(headroom),
                            ":ids", AttributeValue.fromSs(List.of(reservationId)),
                            ":id", AttributeValue.fromS(reservationId))));
            return true;
        } catch (ConditionalCheckFailedException full) {
            return alreadyHeld(reservationId, window);
        }
    }

    private boolean alreadyHeld(String reservationId, BudgetWindow window) {
        Map<String, AttributeValue> item = client.getItem(b -> b.tableName(table)
                .key(key(window.scope(), window.periodKey())).consistentRead(true)).item();
        AttributeValue holds = item == null ? null : item.get("holds");
        return holds != null && holds.hasSs() && holds.ss().contains(reservationId);
    }

    @Override
    public void settle(String reservationId, List<BudgetWindow> windows, BigDecimal reserved, BigDecimal actual) {
        for (BudgetWindow window : windows) {
            try {
                client.updateItem(b -> b.tableName(table).key(key(window.scope(), window.periodKey()))
                        .updateExpression("ADD committed :delta, reserved :release, spent :actual DELETE holds :ids")
                        .conditionExpression("contains(holds, :id)")
                        .expressionAttributeValues(Map.of(":delta", DynamoRecordItems.n(actual.subtract(reserved)),
                                ":release", DynamoRecordItems.n(reserved.negate()),
                                ":actual", DynamoRecordItems.n(actual),
                                ":ids", AttributeValue.fromSs(List.of(reservationId)),
                                ":id", AttributeValue.fromS(reservationId))));
            } catch (ConditionalCheckFailedException settledBefore) {
                // Nothing held under this id any more.
            }
        }
    }

    @Override
    public BudgetState state(String scope, String periodKey) {
        Map<String, AttributeValue> item = client.getItem(b -> b.tableName(table).key(key(scope, periodKey))
                .consistentRead(true)).item();
        if (item == null || item.isEmpty()) {
            return BudgetState.EMPTY;
        }
        return new BudgetState(DynamoRecordItems.num(item, "spent"), DynamoRecordItems.num(item, "reserved"));
    }

    private static Map<String, AttributeValue> key(String scope, String periodKey) {
        return Map.of("scope", AttributeValue.fromS(PREFIX + scope), "period", AttributeValue.fromS(periodKey));
    }
}
