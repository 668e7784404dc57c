package dev.caravan.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.support.FakeOpenAi;
import dev.caravan.support.Gateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A model without a price cannot be held against a budget: under one it is refused, or skipped in its chain. */
class UnpricedModelBudgetTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Routed to OpenAI by its gpt- prefix; the catalog prices neither these nor any other dated gpt-4o. */
    private static final String UNPRICED = "gpt-4o-2024-08-06";
    private static final String UNPRICED_WITH_PRICED_FALLBACK = "gpt-4o-2024-11-20";

    @TempDir
    Path dir;

    @Test
    void anUnpricedModelGets403ModelNotPricedUnderABudgetAndNothingReachesTheProvider() throws Exception {
        try (FakeOpenAi openAi = new FakeOpenAi(); Gateway gateway = start(openAi, "global: {daily: 100}\n")) {
            for (String stream : new String[] {"false", "true"}) {
                HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(UNPRICED, stream));

                assertEquals(403, response.statusCode(), response.body());
                JsonNode error = JSON.readTree(response.body()).path("error");
                assertEquals("model_not_priced", error.path("code").asText(), response.body());
                assertEquals("permission_error", error.path("type").asText(), response.body());
                assertEquals("model", error.path("param").asText(), response.body());
                assertTrue(error.path("message").asText().contains(UNPRICED), response.body());
            }
            assertEquals(0, openAi.received().size(), "the provider was called");
            JsonNode global = JSON.readTree(gateway.get("/v1/budgets").body()).path("data").get(0);
            assertEquals(0, global.path("reserved").decimalValue().signum(), global.toString());
            assertEquals(0, global.path("spent").decimalValue().signum(), global.toString());
        }
    }

    @Test
    void underABudgetAChainSkipsItsUnpricedTargetsAndIsServedByAPricedOne() throws Exception {
        try (FakeOpenAi openAi = new FakeOpenAi(); Gateway gateway = start(openAi, "global: {daily: 100}\n")) {
            HttpResponse<String> response = gateway.post("/v1/chat/completions",
                    chat(UNPRICED_WITH_PRICED_FALLBACK, "false"));

            assertEquals(200, response.statusCode(), response.body());
            assertEquals(1, openAi.received().size());
            assertEquals("gpt-4o-mini", JSON.readTree(openAi.received().get(0).body()).path("model").asText());
            assertTrue(Double.parseDouble(response.headers().firstValue("x-caravan-cost").orElse("0")) > 0,
                    "the answer was priced: " + response.headers().map());
        }
    }

    private Gateway start(FakeOpenAi openAi, String budgetsYaml) throws Exception {
        Path budgets = Files.writeString(dir.resolve("budgets.yaml"), budgetsYaml);
        Path catalog = Files.writeString(dir.resolve("catalog.yaml"), Files.readString(Path.of("config/catalog.yaml"))
                .replace("fallbacks:\n", "fallbacks:\n  " + UNPRICED_WITH_PRICED_FALLBACK + ": [gpt-4o-mini]\n"));
        return Gateway.start(Map.of("caravan.openai.base-url", openAi.baseUrl(), "caravan.openai.api-key", "sk-test",
                "caravan.openai.retry.max-retries", "0", "caravan.ledger.budgets-file", budgets.toString(),
                "caravan.catalog.file", catalog.toString()));
    }

    private static String chat(String model, String stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"max_tokens\":10,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    }
}
