package dev.caravan.auth;

import dev.caravan.ledger.DynamoSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keys in DynamoDB, against a real dynalite on 127.0.0.1. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DynamoKeyStoreTest extends KeyStoreContract {

    @TempDir
    static Path dataDir;
    private LedgerDynalite dynalite;
    private DynamoDbClient client;
    private DynamoKeyStore store;

    @BeforeAll
    void start() throws Exception {
        dynalite = LedgerDynalite.start(dataDir.resolve("dynalite"));
        client = new DynamoSettings(dynalite.endpoint(), "us-east-1", "ai-costs", "ai-cost-counters", true)
                .client(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")));
        store = new DynamoKeyStore(client, DynamoKeyStore.DEFAULT_TABLE, true);
    }

    @AfterAll
    void stop() throws Exception {
        client.close();
        dynalite.close();
    }

    @Override
    KeyStore store() {
        return store;
    }

    @Test
    void createsTheTableOnlyWhenMissing() {
        ApiKey key = key(KeySecrets.newSecret());
        store.create(key);

        DynamoKeyStore second = new DynamoKeyStore(client, DynamoKeyStore.DEFAULT_TABLE, true);

        assertEquals(key, second.find(key.id()).orElseThrow());
    }

    /**
     * DynamoDB refuses an expression longer than 4 KB (dynalite does not check), so a change of a key with as many
     * allowed models as a key may have must be written with a condition within it: one naming each model was refused,
     * and such a key could never be changed or rotated (503 key_store_unavailable).
     */
    @Test
    void aChangeOfAKeyWithTheMostAllowedModelsIsWrittenWithAConditionDynamoDbTakes() throws Exception {
        List<String> conditions = new CopyOnWriteArrayList<>();
        try (DynamoDbClient watched = DynamoDbClient.builder().endpointOverride(dynalite.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .overrideConfiguration(c -> c.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                        if (context.request() instanceof PutItemRequest put && put.conditionExpression() != null) {
                            conditions.add(put.conditionExpression());
                        }
                    }
                })).build()) {
            DynamoKeyStore watchedStore = new DynamoKeyStore(watched, DynamoKeyStore.DEFAULT_TABLE, false);
            List<String> models = new ArrayList<>();
            for (int i = 0; i < 256; i++) {
                models.add("model-" + i);
            }
            ApiKey base = key(KeySecrets.newSecret());
            ApiKey key = new ApiKey(base.id(), base.secretHash(), base.userId(), base.application(), models,
                    base.rateLimit(), base.budgets(), base.createdAt(), base.expiresAt(), base.enabled(), null);
            watchedStore.create(key);
            ApiKey read = watchedStore.find(key.id()).orElseThrow();
            ApiKey rotated = read.withSecretHash(KeySecrets.hash(KeySecrets.newSecret()));
            conditions.clear();

            assertTrue(watchedStore.replace(read, rotated));
            assertEquals(1, conditions.size());
            assertTrue(conditions.get(0).getBytes(StandardCharsets.UTF_8).length <= 4096,
                    conditions.get(0).length() + " bytes");
            assertEquals(rotated, watchedStore.find(key.id()).orElseThrow());
            assertFalse(watchedStore.replace(read, rotated), "the key changed since it was read");
        }
    }

    /** A key written before the allowed models' digest was (an earlier version) can still be changed. */
    @Test
    void aKeyWrittenWithoutTheModelsDigestCanBeChanged() {
        ApiKey key = key(KeySecrets.newSecret());
        store.create(key);
        client.updateItem(b -> b.tableName(DynamoKeyStore.DEFAULT_TABLE)
                .key(Map.of("id", AttributeValue.fromS(key.id())))
                .updateExpression("REMOVE allowedModelsDigest"));
        ApiKey read = store.find(key.id()).orElseThrow();
        ApiKey rotated = read.withSecretHash(KeySecrets.hash(KeySecrets.newSecret()));

        assertTrue(store.replace(read, rotated));
        assertEquals(rotated, store.find(key.id()).orElseThrow());
        assertFalse(store.replace(read, rotated), "the key changed since it was read");
    }
}
