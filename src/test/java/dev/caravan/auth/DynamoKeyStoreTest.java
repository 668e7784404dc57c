package dev.caravan.auth;

import dev.caravan.ledger.DynamoSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
