package dev.caravan.ledger;

import org.apache.camel.CamelContext;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.AttributeAction;
import software.amazon.awssdk.services.dynamodb.model.AttributeValueUpdate;
import software.amazon.awssdk.services.dynamodb.model.ComparisonOperator;
import software.amazon.awssdk.services.dynamodb.model.Condition;

import static dev.caravan.ledger.DdbEndpoints.condition;
import static dev.caravan.ledger.DdbEndpoints.expect;
import static dev.caravan.ledger.DdbEndpoints.update;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.caravan.ledger.DdbEndpoints.condition;
import static dev.caravan.ledger.DdbEndpoints.expect;
import static dev.caravan.ledger.DdbEndpoints.update;

/**
 * Cost records and counters in DynamoDB, through camel-aws2-ddb endpoints ({@link DdbEndpoints}), written with
 * single-item conditional operations only (so it runs the same on DynamoDB and on DynamoDB-compatible servers
 * without transactions):
 * <ol>
 *   <li>PutItem the record, if absent, with the set {@code pendingCounters} of counters it still has to reach;</li>
 *   <li>per counter: UpdateItem {@code ADD cost, requests, ..., inflight {requestId}} on condition that
 *       {@code inflight} does not yet hold the requestId, which makes the ADD safe to retry;</li>
 *   <li>remove {@code pendingCounters} from the record, then DELETE the requestId from each counter's {@code inflight}.</li>
 * </ol>
 * A write that failed half way is finished by the next write of the same record (the spool's replay), and a
 * record without {@code pendingCounters} is complete, so a replay counts nothing twice. The one case not covered:
 * two writers of the same requestId running at the same time, which the ledger never does (the spool replays a
 * record only after its first write has returned).
 * <p>
 * The tables (with their indexes) are created at start by {@link DynamoTables} on the SDK client, unless turned off.
 */
public final class DynamoCostStore implements CostStore {

    private static final String SEPARATOR = " ";

    private final DdbEndpoints dynamo;
    private final DynamoDbClient client;
    private final DynamoSettings settings;
    private final boolean ownsClient;

    /**
     * @param clientBean the name under which {@code client} is bound in the context's registry for the endpoints
     * @param ownsClient whether closing the store closes the client
     */
    public DynamoCostStore(CamelContext context, String clientBean, DynamoDbClient client, DynamoSettings settings,
                           boolean ownsClient) {
        context.getRegistry().bind(clientBean, client);
        this.dynamo = new DdbEndpoints(context, clientBean);
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
        if (!dynamo.putIfAbsent(settings.recordsTable(), item, "requestId")) {
            Map<String, AttributeValue> stored = dynamo.get(settings.recordsTable(), recordKey);
            AttributeValue left = stored.get("pendingCounters");
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
        dynamo.update(settings.recordsTable(), recordKey,
                Map.of("pendingCounters", update(AttributeAction.DELETE, null)),
                Map.of());
        for (String counter : counters) {
            dynamo.update(settings.countersTable(), counterKey(counter),
                    Map.of("inflight", update(AttributeAction.DELETE, AttributeValue.fromSs(List.of(record.requestId())))),
                    Map.of());
        }
        return true;
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

    /** Adds the record to one counter, unless that counter's {@code inflight} shows it was added already. */
    void addToCounter(String key, CostRecord record) {
        Map<String, AttributeValueUpdate> add = new HashMap<>();
        add.put("cost", update(AttributeAction.ADD, DynamoRecordItems.n(record.cost())));
        add.put("requests", update(AttributeAction.ADD, DynamoRecordItems.n(1)));
        add.put("promptTokens", update(AttributeAction.ADD, DynamoRecordItems.n(record.promptTokens())));
        add.put("completionTokens", update(AttributeAction.ADD, DynamoRecordItems.n(record.completionTokens())));
        add.put("unreported", update(AttributeAction.ADD, DynamoRecordItems.n(record.usageReported() ? 0 : 1)));
        add.put("inflight", update(AttributeAction.ADD, AttributeValue.fromSs(List.of(record.requestId()))));
        // A false answer is a retry of an ADD that had reached the table: counted once already.
        dynamo.update(settings.countersTable(), counterKey(key), add, Map.of("inflight",
                expect(ComparisonOperator.NOT_CONTAINS, AttributeValue.fromS(record.requestId()))));
    }

    @Override
    public Optional<CostRecord> find(String requestId) {
        Map<String, AttributeValue> item = dynamo.get(settings.recordsTable(),
                Map.of("requestId", AttributeValue.fromS(requestId)));
        return item.isEmpty() ? Optional.empty() : Optional.of(DynamoRecordItems.fromItem(item));
    }

    @Override
    public List<CostRecord> records(String scope, Instant from, Instant to, int limit) {
        String[] index = switch (Scope.kindOf(scope)) {
            case Scope.USER -> new String[] {DynamoTables.BY_USER, "userId"};
            case Scope.APPLICATION -> new String[] {DynamoTables.BY_APPLICATION, "application"};
            default -> throw new IllegalArgumentException("records are read per user or application, not " + scope);
        };
        Map<String, Condition> conditions = Map.of(
                index[1], condition(ComparisonOperator.EQ, AttributeValue.fromS(Scope.idOf(scope))),
                "ts", condition(ComparisonOperator.BETWEEN, DynamoRecordItems.n(from.toEpochMilli()),
                        DynamoRecordItems.n(to.toEpochMilli() - 1)));
        List<CostRecord> records = new ArrayList<>();
        for (Map<String, AttributeValue> item : queryAll(settings.recordsTable(), index[0], conditions, limit)) {
            records.add(DynamoRecordItems.fromItem(item));
        }
        return records;
    }

    @Override
    public Counter counter(String scope, String periodKey) {
        Map<String, AttributeValue> item = dynamo.get(settings.countersTable(),
                Map.of("scope", AttributeValue.fromS(scope), "period", AttributeValue.fromS(periodKey)));
        return item.isEmpty() ? Counter.empty(scope, periodKey) : toCounter(item);
    }

    @Override
    public List<Counter> dailyCounters(String scopeKind, LocalDate from, LocalDate to) {
        List<Counter> counters = new ArrayList<>();
        for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
            Map<String, Condition> conditions = Map.of(
                    "period", condition(ComparisonOperator.EQ, AttributeValue.fromS(day.toString())),
                    "scope", condition(ComparisonOperator.BEGINS_WITH, AttributeValue.fromS(scopeKind + ":")));
            for (Map<String, AttributeValue> item
                    : queryAll(settings.countersTable(), DynamoTables.BY_PERIOD, conditions, Integer.MAX_VALUE)) {
                counters.add(toCounter(item));
            }
        }
        return counters;
    }

    private List<Map<String, AttributeValue>> queryAll(String table, String index, Map<String, Condition> conditions,
                                                       int limit) {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            DdbEndpoints.Page page = dynamo.query(table, index, conditions, start);
            for (Map<String, AttributeValue> item : page.items()) {
                if (items.size() == limit) {
                    return items;
                }
                items.add(item);
            }
            start = page.next();
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
        dynamo.close();
        if (ownsClient) {
            client.close();
        }
    }
}
