package dev.caravan.ledger;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

import java.util.List;

/**
 * The ledger's two DynamoDB tables. Records: key {@code requestId}, indexes {@code byUser} and
 * {@code byApplication} (key: the id, sort: {@code ts} epoch millis). Counters and budgets: key {@code scope} +
 * {@code period}, index {@code byPeriod} (key: period, sort: scope) to list every model's or user's day.
 */
public final class DynamoTables {

    public static final String BY_USER = "byUser";
    public static final String BY_APPLICATION = "byApplication";
    public static final String BY_PERIOD = "byPeriod";

    private DynamoTables() {
    }

    public static void createIfMissing(DynamoDbClient client, DynamoSettings settings) {
        create(client, CreateTableRequest.builder()
                .tableName(settings.recordsTable())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(attribute("requestId", ScalarAttributeType.S), attribute("userId", ScalarAttributeType.S),
                        attribute("application", ScalarAttributeType.S), attribute("ts", ScalarAttributeType.N))
                .keySchema(key("requestId", KeyType.HASH))
                .globalSecondaryIndexes(index(BY_USER, "userId", "ts"), index(BY_APPLICATION, "application", "ts"))
                .build());
        create(client, CreateTableRequest.builder()
                .tableName(settings.countersTable())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(attribute("scope", ScalarAttributeType.S), attribute("period", ScalarAttributeType.S))
                .keySchema(key("scope", KeyType.HASH), key("period", KeyType.RANGE))
                .globalSecondaryIndexes(index(BY_PERIOD, "period", "scope"))
                .build());
        waitUntilActive(client, settings.recordsTable());
        waitUntilActive(client, settings.countersTable());
    }

    private static void create(DynamoDbClient client, CreateTableRequest request) {
        try {
            client.describeTable(b -> b.tableName(request.tableName()));
        } catch (ResourceNotFoundException missing) {
            try {
                client.createTable(request);
            } catch (ResourceInUseException createdMeanwhile) {
                // Another instance created it first.
            }
        }
    }

    private static void waitUntilActive(DynamoDbClient client, String table) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (client.describeTable(b -> b.tableName(table)).table().tableStatus() != TableStatus.ACTIVE) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("table " + table + " did not become active within 60 s");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for table " + table, e);
            }
        }
    }

    private static AttributeDefinition attribute(String name, ScalarAttributeType type) {
        return AttributeDefinition.builder().attributeName(name).attributeType(type).build();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }

    private static GlobalSecondaryIndex index(String name, String hash, String range) {
        return GlobalSecondaryIndex.builder().indexName(name)
                .keySchema(List.of(key(hash, KeyType.HASH), key(range, KeyType.RANGE)))
                .projection(Projection.builder().projectionType(ProjectionType.ALL).build())
                .build();
    }
}
