package dev.caravan.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.api.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Caravan keys through the real routes: every kind of bad credential, in both header styles. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CredentialMatrixTest {

    private AuthGateway gateway;
    private String valid;
    private String expired;
    private String revoked;
    private String disabled;

    @BeforeAll
    void start() throws Exception {
        gateway = AuthGateway.withKeys(Map.of());
        valid = gateway.createKey("{\"userId\":\"alice\",\"application\":\"notebook\",\"allowedModels\":[\"mock-echo\"]}")
                .get("secret").asText();
        expired = gateway.createKey("{\"userId\":\"bob\",\"application\":\"notebook\",\"expiresAt\":\"2020-01-01T00:00:00Z\"}")
                .get("secret").asText();
        JsonNode toRevoke = gateway.createKey("{\"userId\":\"carol\",\"application\":\"notebook\"}");
        revoked = toRevoke.get("secret").asText();
        gateway.admin("POST", "/admin/keys/" + toRevoke.get("id").asText() + "/revoke", null);
        disabled = gateway.createKey("{\"userId\":\"dave\",\"application\":\"notebook\",\"enabled\":false}")
                .get("secret").asText();
    }

    @AfterAll
    void stop() throws Exception {
        gateway.close();
    }

    enum Style { BEARER, X_API_KEY }

    static Stream<Arguments> refusals() {
        List<Arguments> cases = new ArrayList<>();
        for (Style style : Style.values()) {
            cases.add(Arguments.of(style, "missing", 401, "missing_api_key"));
            cases.add(Arguments.of(style, "empty", 401, "missing_api_key"));
            cases.add(Arguments.of(style, "malformed", 401, "invalid_api_key"));
            cases.add(Arguments.of(style, "wrong", 401, "invalid_api_key"));
            cases.add(Arguments.of(style, "expired", 401, "expired_api_key"));
            cases.add(Arguments.of(style, "revoked", 401, "revoked_api_key"));
            cases.add(Arguments.of(style, "disabled", 401, "disabled_api_key"));
            cases.add(Arguments.of(style, "disallowed model", 403, "model_not_allowed"));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} -> {2} {3}")
    @MethodSource("refusals")
    void refusesEveryBadCredentialWithTheOpenAiErrorShape(Style style, String credential, int status, String code)
            throws Exception {
        String model = credential.equals("disallowed model") ? "mock-stream" : "mock-echo";
        HttpResponse<String> answer = gateway.chat(model, headers(style, secretFor(credential)));

        assertEquals(status, answer.statusCode(), answer.body());
        JsonNode error = Json.MAPPER.readTree(answer.body()).get("error");
        assertEquals(code, error.get("code").asText());
        assertEquals(status == 401 ? "authentication_error" : "permission_error", error.get("type").asText());
        assertTrue(answer.headers().firstValue("x-request-id").isPresent());
        if (status == 401) {
            assertTrue(answer.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
        }
        assertFalse(answer.body().contains("Exception"), "no stack traces or exception names in answers");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("styles")
    void letsAValidKeyThroughAndNamesItsOwner(Style style) throws Exception {
        HttpResponse<String> answer = gateway.chat("mock-echo", headers(style, valid));

        assertEquals(200, answer.statusCode(), answer.body());
        assertEquals("API_KEY|alice|notebook", answer.headers().firstValue("x-test-identity").orElseThrow());
    }

    static Stream<Style> styles() {
        return Stream.of(Style.values());
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"/v1/models", "/v1/models/mock-echo"})
    void theModelListAndEachModelTakeAKeyLikeChat(String path) throws Exception {
        HttpResponse<String> without = gateway.send("GET", path, null);
        HttpResponse<String> revokedKey = gateway.send("GET", path, null, "Authorization", "Bearer " + revoked);
        HttpResponse<String> with = gateway.send("GET", path, null, "x-api-key", valid);

        assertEquals(401, without.statusCode(), without.body());
        assertEquals("missing_api_key", Json.MAPPER.readTree(without.body()).at("/error/code").asText());
        assertEquals(401, revokedKey.statusCode(), revokedKey.body());
        assertEquals(200, with.statusCode(), with.body());
    }

    /** As with OpenAI, a key restricted to some models lists only those, and any other model is 404 to it. */
    @Test
    void aKeyRestrictedToSomeModelsSeesOnlyThoseInTheModelList() throws Exception {
        HttpResponse<String> list = gateway.send("GET", "/v1/models", null, "x-api-key", valid);
        HttpResponse<String> own = gateway.send("GET", "/v1/models/mock-echo", null, "x-api-key", valid);
        HttpResponse<String> other = gateway.send("GET", "/v1/models/mock-stream", null, "x-api-key", valid);
        HttpResponse<String> everything = gateway.send("GET", "/v1/models", null,
                "x-api-key", gateway.createKey("{\"userId\":\"bob\",\"application\":\"notebook\"}")
                        .get("secret").asText());

        assertEquals(200, list.statusCode(), list.body());
        assertEquals(List.of("mock-echo"), ids(list.body()));
        assertEquals(200, own.statusCode(), own.body());
        assertEquals(404, other.statusCode(), other.body());
        assertEquals("model_not_found", Json.MAPPER.readTree(other.body()).at("/error/code").asText());
        assertTrue(ids(everything.body()).contains("mock-stream"), everything.body());
    }

    private static List<String> ids(String list) throws Exception {
        List<String> ids = new ArrayList<>();
        Json.MAPPER.readTree(list).path("data").forEach(model -> ids.add(model.path("id").asText()));
        return ids;
    }

    @Test
    void refusesAnAuthorizationHeaderThatIsNotBearer() throws Exception {
        HttpResponse<String> answer = gateway.chat("mock-echo", "Authorization", "Basic " + valid);

        assertEquals(401, answer.statusCode());
        assertEquals("invalid_api_key", Json.MAPPER.readTree(answer.body()).get("error").get("code").asText());
    }

    @Test
    void neverEchoesTheCredentialInTheAnswerHeaders() throws Exception {
        HttpResponse<String> answer = gateway.chat("mock-echo", "x-api-key", valid);

        assertEquals(200, answer.statusCode());
        assertNull(answer.headers().firstValue("x-api-key").orElse(null));
        assertFalse(answer.headers().map().toString().contains(valid));
        assertFalse(answer.body().contains(valid));
    }

    private String secretFor(String credential) {
        switch (credential) {
            case "missing":
                return null;
            case "empty":
                return "";
            case "malformed":
                return "sk-not-a-caravan-key";
            case "wrong":
                return KeySecrets.newSecret();
            case "expired":
                return expired;
            case "revoked":
                return revoked;
            case "disabled":
                return disabled;
            default:
                return valid;
        }
    }

    private static String[] headers(Style style, String secret) {
        if (secret == null) {
            return new String[0];
        }
        return style == Style.BEARER ? new String[] {"Authorization", ("Bearer " + secret).trim()}
                : new String[] {"x-api-key", secret.isEmpty() ? " " : secret};
    }
}
