package dev.caravan.auth;

import dev.caravan.ledger.DynamoTables;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * API keys in DynamoDB (table {@code caravan-keys}: key {@code id}, index {@code bySecretHash}). The index is
 * eventually consistent, so a hit is confirmed with a consistent read of the item: a rotated or revoked key is
 * never taken for a valid one.
 */
public final class DynamoKeyStore implements KeyStore {

    public static final String DEFAULT_TABLE = "caravan-keys";
    static final String BY_SECRET_HASH = "bySecretHash";

    private final DynamoDbClient client;
    private final String table;

    public DynamoKeyStore(DynamoDbClient client, String table, boolean createTable) {
        this.client = client;
        this.table = table;
        if (createTable) {
            createIfMissing();
        }
    }

    @Override
    public void create(ApiKey key) {
        try {
            client.putItem(b -> b.tableName(table).item(item(key)).conditionExpression("attribute_not_exists(id)"));
        } catch (ConditionalCheckFailedException e) {
            throw new IllegalArgumentException("key " + key.id() + " exists");
        }
    }

    @Override
    public void update(ApiKey key) {
        String condition = key.revoked() ? "attribute_exists(id)" : "attribute_exists(id) AND attribute_not_exists(revokedAt)";
        try {
            client.putItem(b -> b.tableName(table).item(item(key)).conditionExpression(condition));
        } catch (ConditionalCheckFailedException e) {
            if (find(key.id()).isPresent()) {
                throw new KeyRevokedException(key.id());
            }
            throw new IllegalArgumentException("no key " + key.id());
        }
    }

    @Override
    public boolean replace(ApiKey read, ApiKey changed) {
        Map<String, AttributeValue> was = item(read);
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        List<String> unchanged = new ArrayList<>();
        for (String attribute : ATTRIBUTES) {
            String name = "#a" + names.size();
            names.put(name, attribute);
            AttributeValue value = was.get(attribute);
            if (value == null) {
                unchanged.add("attribute_not_exists(" + name + ")");
            } else {
                values.put(":v" + names.size(), value);
                unchanged.add(name + " = :v" + names.size());
            }
        }
        // The allowed models by their digest: a condition naming each model exceeds DynamoDB's 4 KB for an expression
        // (a key may allow 256 models), and a list compared whole is not taken by every DynamoDB (dynalite). An item
        // without a digest was not written since by this version, which always writes one.
        names.put("#models", MODELS_DIGEST);
        values.put(":models", was.get(MODELS_DIGEST));
        unchanged.add("(#models = :models OR attribute_not_exists(#models))");
        try {
            client.putItem(b -> b.tableName(table).item(item(changed)).conditionExpression(String.join(" AND ", unchanged))
                    .expressionAttributeNames(names).expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException e) {
            if (find(read.id()).isEmpty()) {
                throw new IllegalArgumentException("no key " + read.id());
            }
            return false;
        }
    }

    @Override
    public Optional<ApiKey> find(String id) {
        Map<String, AttributeValue> item = client.getItem(b -> b.tableName(table).consistentRead(true)
                .key(Map.of("id", s(id)))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(read(item));
    }

    @Override
    public Optional<ApiKey> findBySecretHash(String secretHash) {
        QueryResponse hits = client.query(b -> b.tableName(table).indexName(BY_SECRET_HASH)
                .keyConditionExpression("secretHash = :h").expressionAttributeValues(Map.of(":h", s(secretHash))));
        for (Map<String, AttributeValue> hit : hits.items()) {
            Optional<ApiKey> current = find(hit.get("id").s());
            if (current.isPresent() && KeySecrets.sameHash(current.get().secretHash(), secretHash)) {
                return current;
            }
        }
        return Optional.empty();
    }

    @Override
    public List<ApiKey> list() {
        List<ApiKey> keys = new ArrayList<>();
        client.scanPaginator(ScanRequest.builder().tableName(table).consistentRead(true).build())
                .items().forEach(item -> keys.add(read(item)));
        keys.sort(Comparator.comparing(ApiKey::createdAt).thenComparing(ApiKey::id));
        return keys;
    }

    /** Every attribute {@link #item} may write, but the allowed models (compared by {@link #MODELS_DIGEST}). */
    private static final List<String> ATTRIBUTES = List.of("id", "secretHash", "userId", "application",
            "requestsPerMinute", "tokensPerMinute", "dailyBudget", "monthlyBudget", "createdAt", "expiresAt", "enabled",
            "revokedAt");

    private static Map<String, AttributeValue> item(ApiKey key) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("id", s(key.id()));
        item.put("secretHash", s(key.secretHash()));
        item.put("userId", s(key.userId()));
        item.put("application", s(key.application()));
        item.put("allowedModels", AttributeValue.fromL(key.allowedModels().stream().map(DynamoKeyStore::s).toList()));
        item.put(MODELS_DIGEST, s(digest(key.allowedModels())));
        item.put("requestsPerMinute", n(key.rateLimit().requestsPerMinute()));
        item.put("tokensPerMinute", n(key.rateLimit().tokensPerMinute()));
        putDecimal(item, "dailyBudget", key.budgets().daily());
        putDecimal(item, "monthlyBudget", key.budgets().monthly());
        item.put("createdAt", n(key.createdAt().toEpochMilli()));
        if (key.expiresAt() != null) {
            item.put("expiresAt", n(key.expiresAt().toEpochMilli()));
        }
        item.put("enabled", AttributeValue.fromBool(key.enabled()));
        if (key.revokedAt() != null) {
            item.put("revokedAt", n(key.revokedAt().toEpochMilli()));
        }
        return item;
    }

    /** The allowed models' SHA-256, which {@link #replace} compares instead of each model. */
    private static final String MODELS_DIGEST = "allowedModelsDigest";

    private static String digest(List<String> models) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            for (String model : models) {
                byte[] bytes = model.getBytes(StandardCharsets.UTF_8);
                sha256.update(ByteBuffer.allocate(4).putInt(bytes.length).array()); // length first: two lists never give the same input
                sha256.update(bytes);
            }
            return Base64.getEncoder().encodeToString(sha256.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static ApiKey read(Map<String, AttributeValue> item) {
        List<String> models = item.containsKey("allowedModels")
                ? item.get("allowedModels").l().stream().map(AttributeValue::s).toList() : List.of();
        return new ApiKey(item.get("id").s(), item.get("secretHash").s(), item.get("userId").s(),
                item.get("application").s(), models,
                new RateLimit(Long.parseLong(item.get("requestsPerMinute").n()), Long.parseLong(item.get("tokensPerMinute").n())),
                new KeyBudgets(decimal(item, "dailyBudget"), decimal(item, "monthlyBudget")),
                Instant.ofEpochMilli(Long.parseLong(item.get("createdAt").n())), instant(item, "expiresAt"),
                item.get("enabled").bool(), instant(item, "revokedAt"));
    }

    private static void putDecimal(Map<String, AttributeValue> item, String name, BigDecimal value) {
        if (value != null) {
            item.put(name, AttributeValue.fromN(value.toPlainString()));
        }
    }

    private static BigDecimal decimal(Map<String, AttributeValue> item, String name) {
        return item.containsKey(name) ? new BigDecimal(item.get(name).n()) : null;
    }

    private static Instant instant(Map<String, AttributeValue> item, String name) {
        return item.containsKey(name) ? Instant.ofEpochMilli(Long.parseLong(item.get(name).n())) : null;
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    private void createIfMissing() {
        DynamoTables.create(client, CreateTableRequest.builder().tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(DynamoTables.attribute("id", ScalarAttributeType.S),
                        DynamoTables.attribute("secretHash", ScalarAttributeType.S))
                .keySchema(DynamoTables.key("id", KeyType.HASH))
                .globalSecondaryIndexes(DynamoTables.index(BY_SECRET_HASH, ProjectionType.KEYS_ONLY, "secretHash"))
                .build());
    }
}
