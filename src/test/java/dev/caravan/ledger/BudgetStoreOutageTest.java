package dev.caravan.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.api.ErrorResponder;
import dev.caravan.api.Json;
import dev.caravan.ops.LogLines;
import dev.caravan.support.BudgetApi;
import dev.caravan.support.Eventually;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Budgets held in DynamoDB (a real dynalite) while DynamoDB cannot be reached: a request whose cost cannot be held is
 * refused with 503 {@code ledger_unavailable} (retryable, in the API's error shape), as a JWT caller is while the identity
 * provider's keys cannot be fetched; nothing reaches the provider, and the budgets API answers the same. It was a 500
 * internal_error, logged as a failure of the gateway itself with a stack trace per request.
 */
class BudgetStoreOutageTest {

    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

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
    void aRequestWhoseBudgetCannotBeHeldIs503AndReachesNoProvider() throws Exception {
        Path budgets = Files.writeString(dir.resolve("budgets.yaml"), "global: {daily: 10}\n");
        try (FakeOpenAi openAi = new FakeOpenAi();
             Gateway gateway = Gateway.start(Map.of("caravan.ledger.store", "dynamodb",
                     "caravan.ledger.dynamodb.endpoint", dynalite.endpoint().toString(),
                     "caravan.ledger.dynamodb.region", "us-east-1",
                     "caravan.ledger.budgets-file", budgets.toString(),
                     "caravan.openai.base-url", openAi.baseUrl(), "caravan.openai.api-key", "sk-test"));
             LogLines errors = LogLines.capture(ErrorResponder.class.getName())) {
            assertEquals(200, gateway.post("/v1/chat/completions", CHAT).statusCode(), "DynamoDB is up");
            dynalite.stop();
            try {
                HttpResponse<String> refused = gateway.post("/v1/chat/completions", CHAT);
                assertUnavailable(refused);
                assertEquals(1, openAi.received().size(), "the refused request reached no provider");
                assertUnavailable(gateway.get("/v1/budgets"));
                assertEquals(List.of(), errors.lines(), "an outage of the store is no failure of the gateway");
            } finally {
                dynalite.start();
            }
            assertEquals(200, gateway.post("/v1/chat/completions", CHAT).statusCode(), "DynamoDB is back");
        }
    }

    /**
     * DynamoDB takes a hold but its answer fails (a timeout after the write), and the store keeps failing while the
     * gateway gives the hold back: the request is 503 and the hold is given back once DynamoDB is back, in the
     * background. It stayed reserved until the period ended before, keeping that much of the budget from every caller.
     */
    @Test
    void aHoldWhoseAnswerFailedIsGivenBackOnceTheStoreIsBack() throws Exception {
        Path budgets = Files.writeString(dir.resolve("budgets-held.yaml"), "global: {daily: 10}\n");
        try (FakeOpenAi openAi = new FakeOpenAi();
             DynamoInBetween dynamo = new DynamoInBetween(dynalite.endpoint());
             Gateway gateway = Gateway.start(Map.of("caravan.ledger.store", "dynamodb",
                     "caravan.ledger.dynamodb.endpoint", dynamo.endpoint().toString(),
                     "caravan.ledger.dynamodb.region", "us-east-1",
                     "caravan.ledger.spool.initial-backoff-ms", "100", "caravan.ledger.spool.max-backoff-ms", "200",
                     "caravan.ledger.budgets-file", budgets.toString(),
                     "caravan.openai.base-url", openAi.baseUrl(), "caravan.openai.api-key", "sk-test"))) {
            assertEquals(200, gateway.post("/v1/chat/completions", CHAT).statusCode(), "DynamoDB is up");
            BigDecimal reservedBefore = BudgetApi.globalDaily(gateway).path("reserved").decimalValue();

            dynamo.failFromTheNextHold();
            assertUnavailable(gateway.post("/v1/chat/completions", CHAT));
            assertEquals(1, dynamo.holdsLanded.get(), "the hold reached DynamoDB");
            dynamo.failing = false;

            JsonNode global = Eventually.until(() -> {
                JsonNode now = BudgetApi.globalDaily(gateway);
                return now.path("reserved").decimalValue().compareTo(reservedBefore) == 0 ? Optional.of(now)
                        : Optional.empty();
            }, 10_000, "the hold given back");
            assertEquals(0, global.path("reserved").decimalValue().compareTo(reservedBefore), global.toString());
        }
    }

    private static void assertUnavailable(HttpResponse<String> response) throws Exception {
        assertEquals(503, response.statusCode(), response.body());
        JsonNode error = Json.MAPPER.readTree(response.body()).path("error");
        assertEquals("ledger_unavailable", error.path("code").asText(), response.body());
        assertEquals("server_error", error.path("type").asText(), response.body());
        assertTrue(response.headers().firstValue("Retry-After").isPresent(), response.headers().map().toString());
    }
}
