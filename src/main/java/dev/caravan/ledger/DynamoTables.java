package dev.caravan.ledger;

import software.amazon.awssdk.core.waiters.WaiterOverrideConfiguration;
import software.amazon.awssdk.retries.api.BackoffStrategy;
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
import software.amazon.awssdk.services.dynamodb.waiters.DynamoDbWaiter;

import java.time.Duration;
import java.util.List;

/**
 * The gateway's DynamoDB tables, made at start when missing. The ledger's two: records, key {@code requestId},
 * indexes {@code byUser} and {@code byApplication} (key: the id, sort: {@code ts} epoch millis); counters and
 * budgets, key {@code scope} + {@code period}, index {@code byPeriod} (key: period, sort: scope) to list every
 * model's or user's day. The key store makes its own with {@link #create}.
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
                .globalSecondaryIndexes(index(BY_USER, ProjectionType.ALL, "userId", "ts"),
                        index(BY_APPLICATION, ProjectionType.ALL, "application", "ts"))
                .build());
        create(client, CreateTableRequest.builder()
                .tableName(settings.countersTable())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(attribute("scope", ScalarAttributeType.S), attribute("period", ScalarAttributeType.S))
                .keySchema(key("scope", KeyType.HASH), key("period", KeyType.RANGE))
                .globalSecondaryIndexes(index(BY_PERIOD, ProjectionType.ALL, "period", "scope"))
                .build());
    }

    /**
     * Creates the table unless it exists (another instance may be creating it at the same moment), then waits with
     * the SDK's waiter, up to 60 s, until it is active.
     */
    public static void create(DynamoDbClient client, CreateTableRequest request) {
        try {
            client.describeTable(b -> b.tableName(request.tableName()));
        } catch (ResourceNotFoundException missing) {
            try {
                client.createTable(request);
            } catch (ResourceInUseException createdMeanwhile) {
                // Another instance created it first.
            }
        }
        try (DynamoDbWaiter waiter = DynamoDbWaiter.builder().client(client)
                .overrideConfiguration(WaiterOverrideConfiguration.builder().waitTimeout(Duration.ofSeconds(60))
                        .backoffStrategyV2(BackoffStrategy.fixedDelay(Duration.ofMillis(100))).build())
                .build()) {
            waiter.waitUntilTableExists(b -> b.tableName(request.tableName()));
        }
    }

    public static AttributeDefinition attribute(String name, ScalarAttributeType type) {
        return AttributeDefinition.builder().attributeName(name).attributeType(type).build();
    }

    public static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }

    /** A global secondary index on {@code keys}: the partition key, then the sort key if there is one. */
    public static GlobalSecondaryIndex index(String name, ProjectionType projection, String... keys) {
        List<KeySchemaElement> schema = keys.length == 1 ? List.of(key(keys[0], KeyType.HASH))
                : List.of(key(keys[0], KeyType.HASH), key(keys[1], KeyType.RANGE));
        return GlobalSecondaryIndex.builder().indexName(name).keySchema(schema)
                .projection(Projection.builder().projectionType(projection).build())
                .build();
    }
}
