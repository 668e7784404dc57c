package dev.caravan.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.support.BudgetApi;
import dev.caravan.support.FakeOpenAi;
import dev.caravan.support.Gateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two real gateways whose ledger is one dynalite (the DynamoDB store, written through camel-aws2-ddb): concurrent
 * requests spread over both never overshoot a shared budget, and the spend either gateway reports counts every
 * request of both exactly once.
 */
class DynamoGatewaysTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] AWS_PROPERTIES = {"aws.accessKeyId", "aws.secretAccessKey"};

    @TempDir
    static Path dir;

    private static Dynalite dynalite;

    @BeforeAll
    static void startDynalite() throws Exception {
        dynalite = Dynalite.start(dir.resolve("db"));
        // The gateways find credentials on the SDK's default chain, as in production.
        System.setProperty("aws.accessKeyId", "test");
        System.setProperty("aws.secretAccessKey", "test");
    }

    @AfterAll
    static void stopDynalite() throws Exception {
        for (String property : AWS_PROPERTIES) {
            System.clearProperty(property);
        }
        dynalite.close();
    }

    @Test
    void twoGatewaysOnOneDynamoDbNeverOvershootASharedBudgetAndCountEveryRequestOnce() throws Exception {
        Path budgets = Files.createTempFile(dir, "budgets", ".yaml");
        Files.writeString(budgets, "global: {daily: 0.0001}\n");
        try (FakeOpenAi openAi = new FakeOpenAi();
             Gateway first = dynamoGateway(openAi, budgets);
             Gateway second = dynamoGateway(openAi, budgets)) {
            // Each answer costs 0.0000048 USD and takes 100 ms, so reservations overlap; 40 would cost 0.000192.
            FakeOpenAi.Answer answer = FakeOpenAi.json(200, FakeOpenAi.chatCompletion("Fine, thanks.", 12, 5));
            openAi.always(exchange -> {
                FakeOpenAi.pause(100);
                answer.send(exchange);
            });
            int requests = 40;
            BudgetApi.Race race = BudgetApi.race(List.of(first, second), requests);
            int ok = race.answered();
            assertTrue(ok > 0, "nothing fitted the budget");
            assertTrue(race.refused() > 0, "the budget refused nothing: " + ok + " answered");
            assertEquals(ok, openAi.received().size(), "only answered requests reached the provider");

            BigDecimal expected = new BigDecimal("0.0000048").multiply(BigDecimal.valueOf(ok));
            for (Gateway gateway : List.of(first, second)) {
                JsonNode global = BudgetApi.globalDaily(gateway);
                BigDecimal spent = global.path("spent").decimalValue();
                assertTrue(spent.compareTo(global.path("limit").decimalValue()) <= 0, "overshot: " + global);
                assertEquals(0, expected.compareTo(spent), ok + " answered, budget shows " + global);
                assertEquals(0, global.path("reserved").decimalValue().signum(), "reservations left: " + global);

                // Each gateway's spend report reads the shared counters: every request of both, once.
                JsonNode row = pollSpend(gateway, requests);
                assertEquals(requests, row.path("requests").asLong(), "refused requests are recorded too: " + row);
                assertEquals(0, expected.compareTo(row.path("cost").decimalValue()), row.toString());
            }
        }
    }

    private static Gateway dynamoGateway(FakeOpenAi openAi, Path budgets) throws Exception {
        return Gateway.start(Map.of("caravan.ledger.store", "dynamodb",
                "caravan.ledger.dynamodb.endpoint", dynalite.endpoint().toString(),
                "caravan.ledger.dynamodb.region", "us-east-1",
                "caravan.ledger.budgets-file", budgets.toString(),
                "caravan.openai.base-url", openAi.baseUrl(), "caravan.openai.api-key", "sk-test"));
    }

    /** The gpt-4o-mini spend row once it counts {@code requests} (cost records are wire-tapped), or the last seen. */
    private static JsonNode pollSpend(Gateway gateway, int requests) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        JsonNode row = BudgetApi.spendRow(gateway, "model", "gpt-4o-mini");
        while ((row == null || row.path("requests").asLong() < requests) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            row = BudgetApi.spendRow(gateway, "model", "gpt-4o-mini");
        }
        return row == null ? JSON.createObjectNode() : row;
    }
}
