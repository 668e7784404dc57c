package dev.caravan.ledger;

import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.aws2.ddb.Ddb2Constants;
import org.apache.camel.component.aws2.ddb.Ddb2Operations;
import software.amazon.awssdk.services.dynamodb.model.AttributeAction;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.AttributeValueUpdate;
import software.amazon.awssdk.services.dynamodb.model.ComparisonOperator;
import software.amazon.awssdk.services.dynamodb.model.Condition;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ExpectedAttributeValue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * DynamoDB item operations as exchanges sent to camel-aws2-ddb endpoints ({@code aws2-ddb://<table>}) on the
 * gateway's DynamoDB client, found in the registry under {@code clientBean}. Conditions and updates use the
 * component's headers, which carry DynamoDB's {@code Expected} and {@code AttributeUpdates} parameters: a
 * conditional put, an {@code ADD} guarded by {@code NOT_CONTAINS}, and key-condition queries on an index are all
 * expressible there. A failed condition is an answer ({@code false}); any other failure is thrown, for the ledger
 * to spool the record.
 */
final class DdbEndpoints {

    /** The page of a query: its items and where the next page starts (null after the last). */
    record Page(List<Map<String, AttributeValue>> items, Map<String, AttributeValue> next) {
    }

    private final CamelContext context;
    private final ProducerTemplate template;
    private final String clientBean;
    /** Resolved once per table and operation (the budget's hold is on the request's path). */
    private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();

    DdbEndpoints(CamelContext context, String clientBean) {
        this.context = context;
        this.template = context.createProducerTemplate();
        this.clientBean = clientBean;
    }

    /** PutItem on condition that no item has the key attribute yet; false when one has. */
    boolean putIfAbsent(String table, Map<String, AttributeValue> item, String keyAttribute) {
        return send(table, Ddb2Operations.PutItem, message -> {
            message.setHeader(Ddb2Constants.ITEM, item);
            message.setHeader(Ddb2Constants.UPDATE_CONDITION,
                    Map.of(keyAttribute, ExpectedAttributeValue.builder().exists(false).build()));
        }) != null;
    }

    /** GetItem with a consistent read; an empty map when there is no such item. */
    @SuppressWarnings("unchecked")
    Map<String, AttributeValue> get(String table, Map<String, AttributeValue> key) {
        Exchange done = send(table, Ddb2Operations.GetItem, message -> {
            message.setHeader(Ddb2Constants.KEY, key);
            message.setHeader(Ddb2Constants.CONSISTENT_READ, true);
        });
        Map<String, AttributeValue> item = done.getMessage().getHeader(Ddb2Constants.ATTRIBUTES, Map.class);
        return item == null ? Map.of() : item;
    }

    /** UpdateItem with {@code AttributeUpdates}, on the given {@code Expected} condition (none when empty); false when it failed. */
    boolean update(String table, Map<String, AttributeValue> key, Map<String, AttributeValueUpdate> updates,
                   Map<String, ExpectedAttributeValue> condition) {
        return send(table, Ddb2Operations.UpdateItem, message -> {
            message.setHeader(Ddb2Constants.KEY, key);
            message.setHeader(Ddb2Constants.UPDATE_VALUES, updates);
            if (!condition.isEmpty()) {
                message.setHeader(Ddb2Constants.UPDATE_CONDITION, condition);
            }
        }) != null;
    }

    /** One page of a Query on an index by key conditions. */
    @SuppressWarnings("unchecked")
    Page query(String table, String index, Map<String, Condition> keyConditions, Map<String, AttributeValue> start) {
        Exchange done = send(table, Ddb2Operations.Query, message -> {
            message.setHeader(Ddb2Constants.INDEX_NAME, index);
            message.setHeader(Ddb2Constants.KEY_CONDITIONS, keyConditions);
            if (start != null) {
                message.setHeader(Ddb2Constants.START_KEY, start);
            }
        });
        List<Map<String, AttributeValue>> items = done.getMessage().getHeader(Ddb2Constants.ITEMS, List.class);
        Map<String, AttributeValue> next = done.getMessage().getHeader(Ddb2Constants.LAST_EVALUATED_KEY, Map.class);
        return new Page(items == null ? List.of() : items, next == null || next.isEmpty() ? null : next);
    }

    /** An {@code AttributeUpdates} entry: ADD or DELETE (a value from a set, or with none the attribute) or PUT. */
    static AttributeValueUpdate update(AttributeAction action, AttributeValue value) {
        return AttributeValueUpdate.builder().action(action).value(value).build();
    }

    /** An {@code Expected} entry comparing the attribute with the value. */
    static ExpectedAttributeValue expect(ComparisonOperator operator, AttributeValue value) {
        return ExpectedAttributeValue.builder().comparisonOperator(operator).attributeValueList(value).build();
    }

    /** A {@code KeyConditions} entry. */
    static Condition condition(ComparisonOperator operator, AttributeValue... values) {
        return Condition.builder().comparisonOperator(operator).attributeValueList(values).build();
    }

    void close() {
        try {
            template.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The finished exchange, or null when DynamoDB refused the call's condition. */
    private Exchange send(String table, Ddb2Operations operation, Consumer<org.apache.camel.Message> request) {
        Endpoint endpoint = endpoints.computeIfAbsent(table + " " + operation,
                k -> context.getEndpoint(uri(table, operation)));
        Exchange done = template.send(endpoint, exchange -> request.accept(exchange.getIn()));
        Exception failure = done.getException();
        if (failure == null) {
            return done;
        }
        if (done.getException(ConditionalCheckFailedException.class) != null) {
            return null;
        }
        throw failure instanceof RuntimeException runtime ? runtime
                : new IllegalStateException("DynamoDB " + operation + " on " + table + " failed", failure);
    }

    private String uri(String table, Ddb2Operations operation) {
        // The tables are created (or checked) by DynamoTables at start; the endpoint must not describe or create them.
        return "aws2-ddb://" + table + "?amazonDDBClient=#" + clientBean + "&enabledInitialDescribeTable=false"
                + "&operation=" + operation;
    }
}
