package dev.caravan.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.api.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin API over HTTP: create, list, revoke, rotate, and what it refuses. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyAdminApiTest {

    private AuthGateway gateway;

    @BeforeAll
    void start() throws Exception {
        gateway = AuthGateway.withKeys(Map.of());
    }

    @AfterAll
    void stop() throws Exception {
        gateway.close();
    }

    @Test
    void createsAKeyAndShowsItsSecretOnlyOnce() throws Exception {
        JsonNode created = gateway.createKey("{\"userId\":\"alice\",\"application\":\"notebook\","
                + "\"allowedModels\":[\"mock-echo\",\"chat\"],\"rateLimit\":{\"requestsPerMinute\":60,\"tokensPerMinute\":1000},"
                + "\"budgets\":{\"daily\":1.5,\"monthly\":\"20\"},\"expiresAt\":\"2099-01-01T00:00:00Z\"}");
        String secret = created.get("secret").asText();
        String id = created.get("id").asText();

        assertTrue(secret.startsWith("cvn_") && secret.length() >= 47, secret.length() + " characters");
        assertEquals("active", created.get("status").asText());
        assertEquals(60, created.get("rateLimit").get("requestsPerMinute").asLong());
        assertEquals("1.5", created.get("budgets").get("daily").decimalValue().toPlainString());
        assertEquals(200, gateway.chat("mock-echo", "Authorization", "Bearer " + secret).statusCode());

        HttpResponse<String> list = gateway.admin("GET", "/admin/keys", null);
        assertEquals(200, list.statusCode());
        assertFalse(list.body().contains(secret));
        assertFalse(list.body().contains(KeySecrets.hash(secret)));
        assertFalse(list.body().contains("secret"), "neither secret nor hash fields in lists");
        JsonNode listed = find(Json.MAPPER.readTree(list.body()), id);
        assertEquals("alice", listed.get("userId").asText());
        assertEquals("[\"mock-echo\",\"chat\"]", listed.get("allowedModels").toString());
        assertEquals("2099-01-01T00:00:00Z", listed.get("expiresAt").asText());
    }

    @Test
    void revokedKeyStopsWorkingAtOnce() throws Exception {
        JsonNode created = gateway.createKey("{\"userId\":\"bob\",\"application\":\"notebook\"}");
        String secret = created.get("secret").asText();
        assertEquals(200, gateway.chat("mock-echo", "x-api-key", secret).statusCode());

        HttpResponse<String> revoked = gateway.admin("POST", "/admin/keys/" + created.get("id").asText() + "/revoke", null);

        assertEquals(200, revoked.statusCode(), revoked.body());
        assertEquals("revoked", Json.MAPPER.readTree(revoked.body()).get("status").asText());
        HttpResponse<String> refused = gateway.chat("mock-echo", "x-api-key", secret);
        assertEquals(401, refused.statusCode());
        assertTrue(refused.body().contains("revoked_api_key"));
    }

    @Test
    void rotationGivesANewSecretAndTheOldOneStopsWorking() throws Exception {
        JsonNode created = gateway.createKey("{\"userId\":\"carol\",\"application\":\"notebook\"}");
        String old = created.get("secret").asText();
        assertEquals(200, gateway.chat("mock-echo", "Authorization", "Bearer " + old).statusCode());

        HttpResponse<String> rotated = gateway.admin("POST", "/admin/keys/" + created.get("id").asText() + "/rotate", null);

        assertEquals(200, rotated.statusCode(), rotated.body());
        JsonNode body = Json.MAPPER.readTree(rotated.body());
        String fresh = body.get("secret").asText();
        assertNotEquals(old, fresh);
        assertEquals(created.get("id").asText(), body.get("id").asText());
        assertEquals(401, gateway.chat("mock-echo", "Authorization", "Bearer " + old).statusCode());
        assertEquals(200, gateway.chat("mock-echo", "Authorization", "Bearer " + fresh).statusCode());
    }

    @Test
    void refusesUnknownFieldsInsteadOfDroppingThem() throws Exception {
        assertInvalid("{\"userId\":\"a\",\"application\":\"b\",\"budget\":{\"daily\":5}}", "budget");
        assertInvalid("{\"userId\":\"a\",\"application\":\"b\",\"rateLimit\":{\"requestsPerSecond\":5}}",
                "rateLimit.requestsPerSecond");
        assertInvalid("{\"userId\":\"a\",\"application\":\"b\",\"budgets\":{\"weekly\":5}}", "budgets.weekly");
    }

    @Test
    void refusesMissingOrMistypedFields() throws Exception {
        assertInvalid("{\"application\":\"b\"}", "userId");
        assertInvalid("{\"userId\":\"a\",\"application\":\"b\",\"allowedModels\":\"mock-echo\"}", "allowedModels");
        assertInvalid("{\"userId\":\"a\",\"application\":\"b\",\"rateLimit\":{\"requestsPerMinute\":-1}}",
                "rateLimit.requestsPerMinute");
        assertInvalid("{\"userId\":\"a\",\"application\":\"b\",\"budgets\":{\"daily\":\"lots\"}}", "budgets.daily");
        assertInvalid("{\"userId\":\"a\",\"application\":\"b\",\"expiresAt\":\"tomorrow\"}", "expiresAt");
        assertInvalid("{\"userId\":\"a\",\"application\":\"b\",\"enabled\":\"yes\"}", "enabled");
    }

    @Test
    void refusesAWrongOrMissingMasterKey() throws Exception {
        HttpResponse<String> wrong = gateway.send("GET", "/admin/keys", null, "Authorization", "Bearer not-the-master-key");
        HttpResponse<String> missing = gateway.send("POST", "/admin/keys", "{\"userId\":\"a\",\"application\":\"b\"}");
        HttpResponse<String> keyInstead = gateway.send("GET", "/admin/keys", null, "x-api-key",
                gateway.createKey("{\"userId\":\"eve\",\"application\":\"notebook\"}").get("secret").asText());

        for (HttpResponse<String> answer : new HttpResponse[] {wrong, missing, keyInstead}) {
            assertEquals(401, answer.statusCode(), answer.body());
            assertEquals("authentication_error", Json.MAPPER.readTree(answer.body()).get("error").get("type").asText());
            assertTrue(answer.headers().firstValue("WWW-Authenticate").isPresent());
        }
    }

    @Test
    void answers404ForAKeyThatDoesNotExist() throws Exception {
        HttpResponse<String> answer = gateway.admin("POST", "/admin/keys/key_nope/revoke", null);

        assertEquals(404, answer.statusCode());
        assertEquals("key_not_found", Json.MAPPER.readTree(answer.body()).get("error").get("code").asText());
    }

    @Test
    void createdKeysAnswerWithNoStoreCaching() throws Exception {
        HttpResponse<String> created = gateway.admin("POST", "/admin/keys", "{\"userId\":\"f\",\"application\":\"g\"}");

        assertEquals(201, created.statusCode());
        assertEquals("no-store", created.headers().firstValue("Cache-Control").orElse(""));
    }

    private void assertInvalid(String body, String param) throws Exception {
        HttpResponse<String> answer = gateway.admin("POST", "/admin/keys", body);
        assertEquals(400, answer.statusCode(), answer.body());
        JsonNode error = Json.MAPPER.readTree(answer.body()).get("error");
        assertEquals("invalid_request_error", error.get("type").asText());
        assertEquals(param, error.get("param").asText(), answer.body());
    }

    private static JsonNode find(JsonNode list, String id) {
        for (JsonNode key : list.get("data")) {
            if (key.get("id").asText().equals(id)) {
                return key;
            }
        }
        throw new AssertionError("key " + id + " not listed in " + list);
    }
}
