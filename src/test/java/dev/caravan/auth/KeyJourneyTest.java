package dev.caravan.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's walk-through on the real API paths: create a key, call with it, see its spend, hit its budget, revoke it. */
class KeyJourneyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static AuthGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = AuthGateway.withKeys(Map.of("caravan.auth.keys.cache-ttl-ms", "100"));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    private HttpResponse<String> chat(String secret, String text) throws Exception {
        return gateway.send("POST", "/v1/chat/completions", "{\"model\":\"mock-echo\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"" + text + "\"}]}", "Authorization", "Bearer " + secret);
    }

    @Test
    void aNewKeyCallsTheGatewaySeesItsSpendAndStopsWorkingOnceRevoked() throws Exception {
        JsonNode key = gateway.createKey("{\"userId\":\"dana\",\"application\":\"journey\"}");
        String secret = key.get("secret").asText();

        assertEquals(401, gateway.send("POST", "/v1/chat/completions", "{\"model\":\"mock-echo\",\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"no key\"}]}").statusCode());
        HttpResponse<String> answered = chat(secret, "one two three");
        assertEquals(200, answered.statusCode(), answered.body());

        JsonNode spend = null;
        for (int i = 0; i < 50; i++) {
            spend = JSON.readTree(gateway.admin("GET", "/v1/spend?groupBy=key", null).body());
            if (spend.path("data").size() > 0) {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals(401, gateway.send("GET", "/v1/spend?groupBy=key", null, "Authorization", "Bearer " + secret)
                .statusCode(), "a key holder does not read everyone's spend");
        JsonNode row = spend.path("data").get(0);
        assertEquals(key.get("id").asText(), row.path("group").asText());
        assertEquals(1, row.path("requests").asInt());
        assertEquals(0, new java.math.BigDecimal(answered.headers().firstValue("x-caravan-cost").orElseThrow())
                .compareTo(row.path("cost").decimalValue()), row.toString());

        assertEquals(200, gateway.admin("POST", "/admin/keys/" + key.get("id").asText() + "/revoke", null)
                .statusCode());
        Thread.sleep(300);
        assertEquals(401, chat(secret, "after revoke").statusCode());
    }

    @Test
    void aKeysOwnDailyBudgetIsEnforcedBeforeAnyProviderIsCalled() throws Exception {
        JsonNode key = gateway.createKey("{\"userId\":\"erin\",\"application\":\"journey\","
                + "\"budgets\":{\"daily\":0.0001}}");
        String secret = key.get("secret").asText();
        HttpResponse<String> refused = gateway.send("POST", "/v1/chat/completions", "{\"model\":\"mock-echo\","
                + "\"max_tokens\":100000,\"messages\":[{\"role\":\"user\",\"content\":\"big\"}]}",
                "Authorization", "Bearer " + secret);
        assertEquals(429, refused.statusCode(), refused.body());
        JsonNode error = JSON.readTree(refused.body()).path("error");
        assertEquals("budget_exceeded", error.path("type").asText());
        assertTrue(error.path("message").asText().contains(key.get("id").asText()), error.toString());
        HttpResponse<String> small = gateway.send("POST", "/v1/chat/completions", "{\"model\":\"mock-echo\","
                + "\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"small\"}]}",
                "Authorization", "Bearer " + secret);
        assertEquals(200, small.statusCode(), small.body());
    }
}
