package dev.caravan.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** What budget tests do through the gateways' HTTP API: race requests for a budget, read budgets and spend. */
public final class BudgetApi {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** How a race for a budget ended: answered, and refused with 429 budget_exceeded. */
    public record Race(int answered, int refused) {
    }

    private BudgetApi() {
    }

    /**
     * Sends {@code requests} small gpt-4o-mini chat completions at once, spread round-robin over the gateways; every
     * answer must be 200 or 429 {@code budget_exceeded}.
     */
    public static Race race(List<Gateway> gateways, int requests) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(requests);
        try {
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                Gateway target = gateways.get(i % gateways.size());
                Callable<HttpResponse<String>> call = () -> target.post("/v1/chat/completions",
                        "{\"model\":\"gpt-4o-mini\",\"max_tokens\":10,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello there, how are you?\"}]}");
                futures.add(pool.submit(call));
            }
            int answered = 0;
            int refused = 0;
            for (Future<HttpResponse<String>> future : futures) {
                HttpResponse<String> response = future.get(120, TimeUnit.SECONDS);
                if (response.statusCode() == 200) {
                    answered++;
                } else {
                    assertEquals(429, response.statusCode(), response.body());
                    assertEquals("budget_exceeded", JSON.readTree(response.body()).path("error").path("type").asText());
                    refused++;
                }
            }
            return new Race(answered, refused);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The global daily budget as GET /v1/budgets shows it. */
    public static JsonNode globalDaily(Gateway gateway) throws Exception {
        HttpResponse<String> response = gateway.get("/v1/budgets");
        assertEquals(200, response.statusCode(), response.body());
        for (JsonNode budget : JSON.readTree(response.body()).path("data")) {
            if ("global".equals(budget.path("scope").asText()) && "daily".equals(budget.path("period").asText())) {
                return budget;
            }
        }
        return fail("no global daily budget in " + response.body());
    }

    /** One group's row of GET /v1/spend?groupBy=..., or null when there is none. */
    public static JsonNode spendRow(Gateway gateway, String groupBy, String group) {
        try {
            HttpResponse<String> response = gateway.get("/v1/spend?groupBy=" + groupBy);
            assertEquals(200, response.statusCode(), response.body());
            for (JsonNode row : JSON.readTree(response.body()).path("data")) {
                if (group.equals(row.path("group").asText())) {
                    return row;
                }
            }
            return null;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
