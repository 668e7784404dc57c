package dev.caravan.ledger;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Cost records and counters in DynamoDB, written with single-item conditional operations only (so it runs the same
 * on DynamoDB and on DynamoDB-compatible servers without transactions):
 * <ol>
 *   <li>PutItem the record, if absent, with the set {@code pendingCounters} of counters it still has to reach;</li>
 *   <li>per counter: UpdateItem {@code ADD cost, requests, ..., inflight {requestId}} on condition that
 *       {@code inflight} does not yet hold the requestId, which makes the ADD safe to retry;</li>
 *   <li>REMOVE {@code pendingCounters} from the record, then DELETE the requestId from each counter's {@code inflight}.</li>
 * </ol>
 * A write that failed half way is finished by the next write of the same record (the spool's replay), and a
 * record without {@code pendingCounters} is complete, so a replay counts nothing twice. The one case not covered:
 * two writers of the same requestId running at the same time, which the ledger never does (the spool replays a
 * record only after its first write has returned).
 * <p>
 * The camel-aws2-ddb component could do step 1 (PutItem from YAML); the conditional ADDs and the index queries
 * are not supported by it, hence the SDK here.
 */
public final class DynamoCostStore implements CostStore {

    private static final String SEPARATOR = " ";

    private final DynamoDbClient client;
    private final DynamoSettings settings;
    private final boolean ownsClient;

    public DynamoCostStore(DynamoDbClient client, DynamoSettings settings, boolean ownsClient) {
        this.client = client;
        this.settings = settings;
        this.ownsClient = ownsClient;
        if (settings.createTables()) {
            DynamoTables.createIfMissing(client, settings);
        }
    }

    @Override
    public boolean record(CostRecord record) {
        Map<String, AttributeValue> recordKey = Map.of("requestId", AttributeValue.fromS(record.requestId()));
        List<String> counters = counterKeys(record);
        Map<String, AttributeValue> item = DynamoRecordItems.toItem(record);
        item.put("pendingCounters", AttributeValue.fromSs(counters));
        if (!putIfAbsent(item)) {
            Map<String, AttributeValue> stored = client.getItem(b -> b.tableName(settings.recordsTable())
                    .key(recordKey).consistentRead(true)).item();
            AttributeValue left = stored == null ? null : stored.get("pendingCounters");
            if (left == null || !left.hasSs() || left.ss().isEmpty()) {
                return false;
            }
            // An earlier write stopped half way: finish it with the record as it was stored then.
            record = DynamoRecordItems.fromItem(stored);
            counters = left.ss();
        }
        for (String counter : counters) {
            addToCounter(counter, record);
        }
        client.updateItem(b -> b.tableName(settings.recordsTable()).key(recordKey)
                .updateExpression("REMOVE pendingCounters"));
        for (String counter : counters) {
            forgetInflight(counter, record.requestId());
        }
        return true;
    }

    private boolean putIfAbsent(Map<String, AttributeValue> item) {
        try {
            client.putItem(b -> b.tableName(settings.recordsTable()).item(item)
                    .conditionExpression("attribute_not_exists(requestId)"));
            return true;
        } catch (ConditionalCheckFailedException exists) {
            return false;
        }
    }

    static List<String> counterKeys(CostRecord record) {
        List<String> keys = new ArrayList<>();
        for (String scope : record.scopes()) {
            for (Period period : Period.values()) {
                keys.add(period.key(record.timestamp()) + SEPARATOR + scope);
            }
        }
        return keys;
    }

    private static Map<String, AttributeValue> counterKey(String key) {
        int space = key.indexOf(SEPARATOR);
        return Map.of("period", AttributeValue.fromS(key.substring(0, space)),
                "scope", AttributeValue.fromS(key.substring(space + 1)));
    }

    void addToCounter(String key, CostRecord record) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":cost", DynamoRecordItems.n(record.cost()));
        values.put(":one", DynamoRecordItems.n(1));
        values.put(":prompt", DynamoRecordItems.n(record.promptTokens()));
        values.put(":completion", DynamoRecordItems.n(record.completionTokens()));
        values.put(":unreported", DynamoRecordItems.n(record.usageReported() ? 0 : 1));
        values.put(":ids", AttributeValue.fromSs(List.of(record.requestId())));
        values.put(":id", AttributeValue.fromS(record.requestId()));
        try {
            client.updateItem(b -> b.tableName(settings.countersTable()).key(counterKey(key))
                    .updateExpression("ADD cost :cost, requests :one, promptTokens :prompt, "
                            + "completionTokens :completion, unreported :unreported, inflight :ids")
                    .conditionExpression("NOT contains(inflight, :id)")
                    .expressionAttributeValues(values));
        } catch (ConditionalCheckFailedException alreadyAdded) {
            // A retry of an ADD that had reached the table: counted once already.
        }
    }

    private void forgetInflight(String key, String requestId) {
        client.updateItem(b -> b.tableName(settings.countersTable()).key(counterKey(key))
                .updateExpression("DELETE inflight :ids")
                .expressionAttributeValues(Map.of(":ids", AttributeValue.fromSs(List.of(requestId)))));
    }

    @Override
    public Optional<CostRecord> find(String requestId) {
        Map<String, AttributeValue> item = client.getItem(b -> b.tableName(settings.recordsTable())
                .key(Map.of("requestId", AttributeValue.fromS(requestId))).consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(DynamoRecordItems.fromItem(item));
    }

    @Override
    public List<CostRecord> records(String scope, Instant from, Instant to, int limit) {
        String[] index = switch (Scope.kindOf(scope)) {
            case Scope.USER -> new String[] {DynamoTables.BY_USER, "userId"};
            case Scope.APPLICATION -> new String[] {DynamoTables.BY_APPLICATION, "application"};
            default -> throw new IllegalArgumentException("records are read per user or application, not " + scope);
        };
        QueryRequest.Builder query = QueryRequest.builder().tableName(settings.recordsTable()).indexName(index[0])
                .keyConditionExpression("#id = :id AND ts BETWEEN :from AND :to")
                .expressionAttributeNames(Map.of("#id", index[1]))
                .expressionAttributeValues(Map.of(":id", AttributeValue.fromS(Scope.idOf(scope)),
                        ":from", DynamoRecordItems.n(from.toEpochMilli()),
                        ":to", DynamoRecordItems.n(to.toEpochMilli() - 1)));
        List<CostRecord> records = new ArrayList<>();
        for (Map<String, AttributeValue> item : queryAll(query, limit)) {
            records.add(DynamoRecordItems.fromItem(item));
        }
        return records;
    }

    @Override
    public Counter counter(String scope, String periodKey) {
        Map<String, AttributeValue> item = client.getItem(b -> b.tableName(settings.countersTable())
                .key(Map.of("scope", AttributeValue.fromS(scope), "period", AttributeValue.fromS(periodKey)))
                .consistentRead(true)).item();
        return item == null || item.isEmpty() ? Counter.empty(scope, periodKey) : toCounter(item);
    }

    @Override
    public List<Counter> dailyCounters(String scopeKind, LocalDate from, LocalDate to) {
        List<Counter> counters = new ArrayList<>();
        for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
            QueryRequest.Builder query = QueryRequest.builder().tableName(settings.countersTable())
                    .indexName(DynamoTables.BY_PERIOD)
                    .keyConditionExpression("period = :day AND begins_with(#scope, :kind)")
                    .expressionAttributeNames(Map.of("#scope", "scope"))
                    .expressionAttributeValues(Map.of(":day", AttributeValue.fromS(day.toString()),
                            ":kind", AttributeValue.fromS(scopeKind + ":")));
            for (Map<String, AttributeValue> item : queryAll(query, Integer.MAX_VALUE)) {
                counters.add(toCounter(item));
            }
        }
        return counters;
    }

    private List<Map<String, AttributeValue>> queryAll(QueryRequest.Builder query, int limit) {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryResponse page = client.query(query.exclusiveStartKey(start).build());
            for (Map<String, AttributeValue> item : page.items()) {
                if (items.size() == limit) {
                    return items;
                }
                items.add(item);
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return items;
    }

    private static Counter toCounter(Map<String, AttributeValue> item) {
        return new Counter(item.get("scope").s(), item.get("period").s(), DynamoRecordItems.num(item, "cost"),
                DynamoRecordItems.num(item, "requests").longValueExact(),
                DynamoRecordItems.num(item, "promptTokens").longValueExact(),
                DynamoRecordItems.num(item, "completionTokens").longValueExact(),
                DynamoRecordItems.num(item, "unreported").longValueExact());
    }

    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
    }
}
