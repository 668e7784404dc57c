package dev.caravan.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.support.BudgetApi;
import dev.caravan.support.Eventually;
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
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two real gateways whose ledger is one dynalite (the DynamoDB store, written through camel-aws2-ddb): concurrent
 * requests spread over both never overshoot a shared budget, and the spend either gateway reports counts every
 * request of both exactly once; a stream, relayed from the event loop, is settled in the shared counters.
 */
class DynamoGatewaysTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static Dynalite dynalite;

    @BeforeAll
    static void startDynalite() throws Exception {
        dynalite = Dynalite.startWithCredentials(dir.resolve("db"));
    }

    @AfterAll
    static void stopDynalite() throws Exception {
        dynalite.closeWithCredentials();
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

    @Test
    void aStreamIsRelayedFromTheEventLoopAndSettledInDynamoDb() throws Exception {
        Path budgets = Files.createTempFile(dir, "budgets", ".yaml");
        Files.writeString(budgets, "global: {daily: 1.0}\n");
        try (FakeOpenAi openAi = new FakeOpenAi(); Gateway gateway = dynamoGateway(openAi, budgets)) {
            openAi.always(FakeOpenAi.sse(20, FakeOpenAi.streamChunks(List.of("Streamed", " and", " counted"), 7)));
            // The dynalite is shared by this class's tests: what this one adds is counted from what is there.
            BigDecimal spentBefore = BudgetApi.globalDaily(gateway).path("spent").decimalValue();
            JsonNode rowBefore = BudgetApi.spendRow(gateway, "model", "gpt-4o-mini");
            long requestsBefore = rowBefore == null ? 0 : rowBefore.path("requests").asLong();
            BigDecimal costBefore = rowBefore == null ? BigDecimal.ZERO : rowBefore.path("cost").decimalValue();

            var response = gateway.post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

            assertEquals(200, response.statusCode(), response.body());
            assertTrue(response.body().contains("\"content\":\" counted\""), response.body());
            assertTrue(response.body().endsWith("data: [DONE]\n\n"), response.body());
            // 7 prompt and 3 completion tokens of gpt-4o-mini: settled in the shared counters once the relay step
            // has ended (a moment after the caller's answer, from a worker thread: DynamoDB's calls wait)
            BigDecimal cost = new BigDecimal("0.00000285");
            JsonNode global = Eventually.until(() -> {
                JsonNode now = BudgetApi.globalDaily(gateway);
                return now.path("reserved").decimalValue().signum() == 0 ? Optional.of(now) : Optional.empty();
            }, 10_000, "the stream's reservation settled");
            assertEquals(0, spentBefore.add(cost).compareTo(global.path("spent").decimalValue()), global.toString());
            JsonNode row = pollSpend(gateway, (int) requestsBefore + 1);
            assertEquals(requestsBefore + 1, row.path("requests").asLong(), row.toString());
            assertEquals(0, costBefore.add(cost).compareTo(row.path("cost").decimalValue()), row.toString());
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
