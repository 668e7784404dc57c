package dev.caravan.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.api.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * platform-http copies query parameters into the message's headers, where the credential headers are read: a key in
 * the URL (kept by proxies' and load balancers' access logs, browser history, Referer) must not authenticate anyone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CredentialsOnlyInHeadersTest {

    private static final String CHAT_BODY = "{\"model\":\"mock-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private AuthGateway gateway;
    private String secret;

    @BeforeAll
    void start() throws Exception {
        gateway = AuthGateway.withKeys(Map.of());
        secret = gateway.createKey("{\"userId\":\"alice\",\"application\":\"notebook\"}").get("secret").asText();
    }

    @AfterAll
    void stop() throws Exception {
        gateway.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x-api-key", "X-API-KEY", "Authorization", "authorization"})
    void aKeyInTheQueryStringDoesNotReachChat(String parameter) throws Exception {
        String value = parameter.equalsIgnoreCase("authorization") ? "Bearer " + secret : secret;
        HttpResponse<String> answer = gateway.send("POST", "/v1/chat/completions?" + parameter + "="
                + URLEncoder.encode(value, StandardCharsets.UTF_8), CHAT_BODY);

        assertEquals(400, answer.statusCode(), answer.body());
        JsonNode error = Json.MAPPER.readTree(answer.body()).get("error");
        assertEquals("credential_in_url", error.get("code").asText());
        assertFalse(answer.body().contains(secret), "the key is not echoed");
    }

    @Test
    void theMasterKeyInTheQueryStringDoesNotOpenTheAdminApi() throws Exception {
        HttpResponse<String> answer = gateway.send("GET", "/admin/keys?x-api-key=" + AuthGateway.MASTER_KEY, null);

        assertEquals(400, answer.statusCode(), answer.body());
        assertFalse(answer.body().contains("alice"), "no key is listed");
        assertFalse(answer.body().contains(AuthGateway.MASTER_KEY), "the master key is not echoed");
    }

    @Test
    void aQueryParameterCannotStandBesideTheHeaderEither() throws Exception {
        HttpResponse<String> answer = gateway.send("POST", "/v1/chat/completions?x-api-key=cvn_other", CHAT_BODY,
                "Authorization", "Bearer " + secret);

        assertEquals(400, answer.statusCode(), answer.body());
    }

    /** These refusals come before any route, from the HTTP edge, and carry the request id as every answer does. */
    @Test
    void theRefusalsCarryTheCallersRequestIdOrANewOne() throws Exception {
        HttpResponse<String> inUrl = gateway.send("POST", "/v1/chat/completions?x-api-key=cvn_other", CHAT_BODY,
                "x-request-id", "trace-in-url");
        assertEquals(400, inUrl.statusCode(), inUrl.body());
        assertEquals("trace-in-url", inUrl.headers().firstValue("x-request-id").orElse(null), inUrl.headers().map().toString());

        HttpResponse<String> twice = gateway.send("POST", "/v1/chat/completions", CHAT_BODY,
                "x-api-key", secret, "x-api-key", "cvn_" + "A".repeat(43));
        assertEquals(400, twice.statusCode(), twice.body());
        assertTrue(twice.headers().firstValue("x-request-id").orElse("").matches("req_[0-9a-f]{32}"),
                twice.headers().map().toString());
    }

    @Test
    void aCredentialHeaderSentTwiceIsRefused() throws Exception {
        HttpResponse<String> answer = gateway.send("POST", "/v1/chat/completions", CHAT_BODY,
                "x-api-key", secret, "x-api-key", "cvn_" + "A".repeat(43));

        assertEquals(400, answer.statusCode(), answer.body());
        assertEquals("credential_repeated", Json.MAPPER.readTree(answer.body()).get("error").get("code").asText());
    }

    @Test
    void headersStillWork() throws Exception {
        assertEquals(200, gateway.send("POST", "/v1/chat/completions", CHAT_BODY, "x-api-key", secret).statusCode());
        assertEquals(200, gateway.send("POST", "/v1/chat/completions?stream_note=1", CHAT_BODY,
                "Authorization", "Bearer " + secret).statusCode());
    }
}
