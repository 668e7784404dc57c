package dev.caravan.auth;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Browsers on allowed origins: preflights answered, answers (streamed ones too) and headers readable. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CorsTest {

    private static final String ALLOWED = "https://app.example.com";

    private AuthGateway gateway;
    private String secret;

    @BeforeAll
    void start() throws Exception {
        gateway = AuthGateway.withKeys(Map.of("caravan.auth.cors.allowed-origins", ALLOWED + ", https://other.example.com"));
        secret = gateway.createKey("{\"userId\":\"web\",\"application\":\"browser\"}").get("secret").asText();
    }

    @AfterAll
    void stop() throws Exception {
        gateway.close();
    }

    @Test
    void answersAPreflightFromAnAllowedOriginWithoutCredentials() throws Exception {
        HttpResponse<String> answer = gateway.send("OPTIONS", AuthGateway.GUARDED_CHAT, null, "Origin", ALLOWED,
                "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization, content-type");

        assertEquals(204, answer.statusCode());
        assertEquals(ALLOWED, answer.headers().firstValue("Access-Control-Allow-Origin").orElseThrow());
        assertTrue(answer.headers().firstValue("Access-Control-Allow-Methods").orElseThrow().contains("POST"));
        assertEquals("authorization, content-type", answer.headers().firstValue("Access-Control-Allow-Headers").orElseThrow());
        assertEquals("600", answer.headers().firstValue("Access-Control-Max-Age").orElseThrow());
    }

    @Test
    void refusesAPreflightFromAnOriginThatIsNotAllowed() throws Exception {
        HttpResponse<String> answer = gateway.send("OPTIONS", AuthGateway.GUARDED_CHAT, null, "Origin",
                "https://evil.example.com", "Access-Control-Request-Method", "POST");

        assertEquals(403, answer.statusCode());
        assertTrue(answer.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
        assertTrue(answer.body().contains("origin_not_allowed"));
        assertTrue(answer.headers().firstValue("x-request-id").orElse("").matches("req_[0-9a-f]{32}"),
                "a refusal carries a request id as every answer does: " + answer.headers().map());
    }

    @Test
    void letsAnAllowedOriginReadTheAnswerAndTheGatewaysHeaders() throws Exception {
        HttpResponse<String> answer = gateway.chat("mock-echo", "Origin", ALLOWED, "Authorization", "Bearer " + secret);

        assertEquals(200, answer.statusCode());
        assertEquals(ALLOWED, answer.headers().firstValue("Access-Control-Allow-Origin").orElseThrow());
        String exposed = answer.headers().firstValue("Access-Control-Expose-Headers").orElseThrow();
        assertTrue(exposed.contains("x-request-id") && exposed.contains("x-ratelimit-remaining-requests"), exposed);
        assertTrue(answer.headers().firstValue("Vary").orElseThrow().contains("Origin"));
    }

    @Test
    void letsAnAllowedOriginReadAStreamedAnswer() throws Exception {
        HttpResponse<String> answer = gateway.send("POST", AuthGateway.GUARDED_CHAT,
                "{\"model\":\"mock-stream\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "Origin", ALLOWED, "Authorization", "Bearer " + secret);

        assertEquals(200, answer.statusCode(), answer.body());
        assertTrue(answer.headers().firstValue("content-type").orElseThrow().startsWith("text/event-stream"));
        assertEquals(ALLOWED, answer.headers().firstValue("Access-Control-Allow-Origin").orElseThrow());
        assertTrue(answer.body().contains("data: [DONE]"));
    }

    @Test
    void letsAnAllowedOriginReadWhyItWasRefused() throws Exception {
        HttpResponse<String> answer = gateway.chat("mock-echo", "Origin", ALLOWED);

        assertEquals(401, answer.statusCode());
        assertEquals(ALLOWED, answer.headers().firstValue("Access-Control-Allow-Origin").orElseThrow());
    }

    @Test
    void givesOtherOriginsNoCorsHeaders() throws Exception {
        HttpResponse<String> answer = gateway.chat("mock-echo", "Origin", "https://evil.example.com",
                "Authorization", "Bearer " + secret);

        assertFalse(answer.headers().firstValue("Access-Control-Allow-Origin").isPresent());
    }

    /**
     * The admin API, spend and budgets are called with the master key, which has no place in a web page: origins
     * allowed for the API (even every origin) get no preflight and no CORS headers on their paths, so a browser never
     * lets a page read them, nor send the master key in a cross-origin request. (Spend and budgets were open to allowed
     * origins before.)
     */
    @Test
    void neverOpensWhatTakesTheMasterKeyToABrowser() throws Exception {
        try (AuthGateway everyOrigin = AuthGateway.withKeys(Map.of("caravan.auth.cors.allowed-origins", "*"))) {
            for (AuthGateway each : new AuthGateway[] {gateway, everyOrigin}) {
                for (String path : new String[] {"/admin/keys", "/admin/keys/key_x/revoke", "/admin/keys/key_x/rotate",
                        "/v1/spend", "/v1/budgets"}) {
                    HttpResponse<String> preflight = each.send("OPTIONS", path, null, "Origin", ALLOWED,
                            "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization");
                    assertEquals(403, preflight.statusCode(), path);
                    assertFalse(preflight.headers().firstValue("Access-Control-Allow-Origin").isPresent(), path);
                }
                for (String path : new String[] {"/admin/keys", "/v1/spend", "/v1/budgets"}) {
                    HttpResponse<String> read = each.send("GET", path, null, "Origin", ALLOWED,
                            "Authorization", "Bearer " + AuthGateway.MASTER_KEY);
                    assertEquals(200, read.statusCode(), path + " itself still answers its callers");
                    assertFalse(read.headers().firstValue("Access-Control-Allow-Origin").isPresent(), path);
                }
            }
            HttpResponse<String> chat = everyOrigin.chat("mock-echo", "Origin", ALLOWED);
            assertEquals(ALLOWED, chat.headers().firstValue("Access-Control-Allow-Origin").orElseThrow(),
                    "the rest of the API stays open to allowed origins");
        }
    }

    @Test
    void allowsNoOriginByDefault() {
        CorsPolicy none = new CorsPolicy(java.util.List.of(""), 600);

        assertFalse(none.enabled());
        assertFalse(none.allows(ALLOWED));
        assertTrue(new CorsPolicy(java.util.List.of("HTTPS://App.Example.com/"), 600).allows(ALLOWED));
    }
}
