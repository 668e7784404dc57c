package dev.caravan.ledger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.nio.file.Path;

/** The contract on DynamoDB, served by a real dynalite that the test starts, kills and restarts. */
class DynamoCostStoreTest extends CostStoreContract {

    @TempDir
    static Path dynaliteDir;

    private static Dynalite dynalite;
    private static int tables;

    private DynamoDbClient client;
    private DynamoSettings settings;

    @BeforeAll
    static void startDynalite() throws Exception {
        dynalite = Dynalite.start(dynaliteDir.resolve("db"));
    }

    @AfterAll
    static void stopDynalite() throws Exception {
        dynalite.close();
    }

    @Override
    CostStore openCostStore() {
        int n = ++tables;
        settings = new DynamoSettings(dynalite.endpoint(), "us-east-1", "ai-costs-" + n, "ai-cost-counters-" + n, true);
        client = settings.client(credentials());
        return new DynamoCostStore(client, settings, true);
    }

    @Override
    BudgetStore openBudgetStore(boolean secondInstance) {
        if (!secondInstance) {
            return new DynamoBudgetStore(client, settings);
        }
        DynamoDbClient own = closeLater(settings.client(credentials()));
        return new DynamoBudgetStore(own, settings);
    }

    @Override
    void stopStore() throws Exception {
        dynalite.stop();
    }

    @Override
    void startStore() throws Exception {
        dynalite.start();
    }

    private static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    }
}
