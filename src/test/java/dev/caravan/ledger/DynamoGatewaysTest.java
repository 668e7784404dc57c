package dev.caravan.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.support.FakeOpenAi;
import dev.caravan.support.Gateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
            ExecutorService pool = Executors.newFixedThreadPool(requests);
            int ok = 0;
            int refused = 0;
            try {
                List<Future<HttpResponse<String>>> futures = new ArrayList<>();
                for (int i = 0; i < requests; i++) {
                    Gateway target = i % 2 == 0 ? first : second;
                    Callable<HttpResponse<String>> call = () -> target.post("/v1/chat/completions",
                            "{\"model\":\"gpt-4o-mini\",\"max_tokens\":10,"
                                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello there, how are you?\"}]}");
                    futures.add(pool.submit(call));
                }
                for (Future<HttpResponse<String>> future : futures) {
                    HttpResponse<String> response = future.get(120, TimeUnit.SECONDS);
                    if (response.statusCode() == 200) {
                        ok++;
                    } else {
                        assertEquals(429, response.statusCode(), response.body());
                        assertEquals("budget_exceeded", JSON.readTree(response.body()).path("error").path("type").asText());
                        refused++;
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            assertTrue(ok > 0, "nothing fitted the budget");
            assertTrue(refused > 0, "the budget refused nothing: " + ok + " answered");
            assertEquals(ok, openAi.received().size(), "only answered requests reached the provider");

            BigDecimal expected = new BigDecimal("0.0000048").multiply(BigDecimal.valueOf(ok));
            for (Gateway gateway : List.of(first, second)) {
                JsonNode global = globalDaily(gateway);
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

    private static JsonNode globalDaily(Gateway gateway) throws Exception {
        HttpResponse<String> response = gateway.get("/v1/budgets");
        assertEquals(200, response.statusCode(), response.body());
        for (JsonNode budget : JSON.readTree(response.body()).path("data")) {
            if ("global".equals(budget.path("scope").asText()) && "daily".equals(budget.path("period").asText())) {
                return budget;
            }
        }
        return fail("no global daily budget in " + response.body());
    }

    /** The gpt-4o-mini spend row once it counts {@code requests} (cost records are wire-tapped), or the last seen. */
    private static JsonNode pollSpend(Gateway gateway, int requests) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        JsonNode row = JSON.createObjectNode();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = gateway.get("/v1/spend?groupBy=model");
            assertEquals(200, response.statusCode(), response.body());
            for (JsonNode candidate : JSON.readTree(response.body()).path("data")) {
                if ("gpt-4o-mini".equals(candidate.path("group").asText())) {
                    row = candidate;
                }
            }
            if (row.path("requests").asLong() >= requests) {
                return row;
            }
            Thread.sleep(100);
        }
        return row;
    }
}
