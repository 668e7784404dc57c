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

/** The admin API over HTTP: create, list, read, change, revoke, rotate, and what it refuses. */
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
    void aKeyIsReadAndChangedInPlaceKeepingItsSecret() throws Exception {
        JsonNode created = gateway.createKey("{\"userId\":\"gina\",\"application\":\"notebook\","
                + "\"allowedModels\":[\"mock-echo\"],\"budgets\":{\"daily\":2}}");
        String secret = created.get("secret").asText();
        String path = "/admin/keys/" + created.get("id").asText();
        assertEquals(403, gateway.chat("mock-stream", "x-api-key", secret).statusCode());

        HttpResponse<String> read = gateway.admin("GET", path, null);
        assertEquals(200, read.statusCode(), read.body());
        assertFalse(read.body().contains(secret) || read.body().contains("secret"), read.body());
        assertEquals("[\"mock-echo\"]", Json.MAPPER.readTree(read.body()).get("allowedModels").toString());

        HttpResponse<String> changed = gateway.admin("PATCH", path,
                "{\"allowedModels\":[\"mock-echo\",\"mock-stream\"],\"rateLimit\":{\"requestsPerMinute\":50}}");
        assertEquals(200, changed.statusCode(), changed.body());
        JsonNode key = Json.MAPPER.readTree(changed.body());
        assertFalse(changed.body().contains("secret"), changed.body());
        assertEquals("[\"mock-echo\",\"mock-stream\"]", key.get("allowedModels").toString());
        assertEquals(50, key.get("rateLimit").get("requestsPerMinute").asLong());
        assertEquals("2", key.get("budgets").get("daily").decimalValue().toPlainString(), "left out: kept");
        assertEquals("gina", key.get("userId").asText());
        assertEquals(200, gateway.chat("mock-stream", "x-api-key", secret).statusCode(), "at once, same secret");

        assertEquals(200, gateway.admin("PATCH", path, "{\"enabled\":false}").statusCode());
        HttpResponse<String> disabled = gateway.chat("mock-echo", "x-api-key", secret);
        assertEquals(401, disabled.statusCode());
        assertTrue(disabled.body().contains("disabled_api_key"), disabled.body());

        HttpResponse<String> reset = gateway.admin("PATCH", path, "{\"enabled\":true,\"allowedModels\":null,"
                + "\"budgets\":null}");
        assertEquals(200, reset.statusCode(), reset.body());
        assertEquals("[]", Json.MAPPER.readTree(reset.body()).get("allowedModels").toString(), "null: every model");
        assertTrue(Json.MAPPER.readTree(reset.body()).get("budgets").get("daily").isNull(), reset.body());
        assertEquals(200, gateway.chat("mock-echo", "x-api-key", secret).statusCode());
    }

    @Test
    void aChangeOfOneLimitKeepsTheOthers() throws Exception {
        JsonNode created = gateway.createKey("{\"userId\":\"ivy\",\"application\":\"notebook\","
                + "\"rateLimit\":{\"requestsPerMinute\":10,\"tokensPerMinute\":1000},"
                + "\"budgets\":{\"daily\":2,\"monthly\":30}}");
        String path = "/admin/keys/" + created.get("id").asText();

        JsonNode key = Json.MAPPER.readTree(gateway.admin("PATCH", path,
                "{\"budgets\":{\"daily\":5},\"rateLimit\":{\"tokensPerMinute\":2000}}").body());
        assertEquals("5", key.get("budgets").get("daily").decimalValue().toPlainString());
        assertEquals("30", key.get("budgets").get("monthly").decimalValue().toPlainString(), "left out: kept");
        assertEquals(2000, key.get("rateLimit").get("tokensPerMinute").asLong());
        assertEquals(10, key.get("rateLimit").get("requestsPerMinute").asLong(), "left out: kept");

        key = Json.MAPPER.readTree(gateway.admin("PATCH", path, "{\"budgets\":{\"monthly\":null}}").body());
        assertTrue(key.get("budgets").get("monthly").isNull(), key.toString());
        assertEquals("5", key.get("budgets").get("daily").decimalValue().toPlainString());
        assertEquals(key, Json.MAPPER.readTree(gateway.admin("GET", path, null).body()), "as stored");
    }

    @Test
    void refusesAChangeItCannotMakeAndChangesNothing() throws Exception {
        JsonNode created = gateway.createKey("{\"userId\":\"hal\",\"application\":\"notebook\","
                + "\"allowedModels\":[\"mock-echo\"]}");
        String path = "/admin/keys/" + created.get("id").asText();

        assertChangeRefused(path, "{\"userId\":\"someone-else\"}", 400, "userId");
        assertChangeRefused(path, "{\"application\":\"other\"}", 400, "application");
        assertChangeRefused(path, "{\"allowedModels\":[\"mock-stream\"],\"budget\":{\"daily\":1}}", 400, "budget");
        assertChangeRefused(path, "{\"allowedModels\":[\"mock-stream\"],\"rateLimit\":{\"requestsPerMinute\":-1}}",
                400, "rateLimit.requestsPerMinute");
        assertChangeRefused(path, "{\"allowedModels\":", 400, null);
        JsonNode unchanged = Json.MAPPER.readTree(gateway.admin("GET", path, null).body());
        assertEquals("[\"mock-echo\"]", unchanged.get("allowedModels").toString());
        assertEquals("hal", unchanged.get("userId").asText());

        assertChangeRefused("/admin/keys/key_nope", "{\"enabled\":false}", 404, null);
        assertEquals(404, gateway.admin("GET", "/admin/keys/key_nope", null).statusCode());
        HttpResponse<String> delete = gateway.admin("DELETE", path, null);
        assertEquals(405, delete.statusCode(), delete.body());
        assertEquals("GET, PATCH", delete.headers().firstValue("Allow").orElse(""));
        HttpResponse<String> readRevoke = gateway.admin("GET", path + "/revoke", null);
        assertEquals(405, readRevoke.statusCode(), readRevoke.body());
        assertEquals("POST", readRevoke.headers().firstValue("Allow").orElse(""));
        assertEquals(404, gateway.admin("GET", path + "/revoke/more", null).statusCode());
        assertEquals(401, gateway.send("PATCH", path, "{\"enabled\":true}").statusCode(), "the master key is needed");

        gateway.admin("POST", path + "/revoke", null);
        assertChangeRefused(path, "{\"enabled\":true}", 409, "id");
        assertEquals("revoked", Json.MAPPER.readTree(gateway.admin("GET", path, null).body()).get("status").asText());
    }

    private void assertChangeRefused(String path, String body, int status, String param) throws Exception {
        HttpResponse<String> answer = gateway.admin("PATCH", path, body);
        assertEquals(status, answer.statusCode(), body + " -> " + answer.body());
        if (param != null) {
            assertEquals(param, Json.MAPPER.readTree(answer.body()).get("error").get("param").asText(), answer.body());
        }
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

    /**
     * Values the store cannot keep as given were a 500 (an amount over the embedded store's DECIMAL(38, 18), an
     * instant past what epoch milliseconds hold), or were kept as another value (an amount with more decimals than the
     * column rounded to 0, a budget that then refuses every request); an amount such as 1E+9999999 held a worker busy
     * for seconds while it was written out digit by digit. Each is a 400 now, and nothing is stored.
     */
    @Test
    void refusesValuesTheStoreCannotKeepAndStoresNothing() throws Exception {
        int listed = Json.MAPPER.readTree(gateway.admin("GET", "/admin/keys", null).body()).get("data").size();

        assertInvalid("{\"userId\":\"a\",\"application\":\"b\",\"budgets\":{\"daily\":1E+40}}", "budgets.daily");
        assertInvalid("{\"userId\":\"a\",\"application\":\"b\",\"budgets\":{\"monthly\":\"1E+9999999\"}}",
                "budgets.monthly");
        assertInvalid("{\"userId\":\"a\",\"application\":\"b\",\"budgets\":{\"daily\":\"0.0000000000000000000001\"}}",
                "budgets.daily");
        assertInvalid("{\"userId\":\"a\",\"application\":\"b\",\"expiresAt\":\"+1000000000-01-01T00:00:00Z\"}",
                "expiresAt");
        assertInvalid("{\"userId\":\"a\",\"application\":\"b\",\"allowedModels\":[" + "\"m\",".repeat(1000)
                + "\"m\"]}", "allowedModels");
        assertInvalid("{\"userId\":\"a\",\"application\":\"b\",\"allowedModels\":[\"" + "m".repeat(1000) + "\"]}",
                "allowedModels");

        assertEquals(listed, Json.MAPPER.readTree(gateway.admin("GET", "/admin/keys", null).body()).get("data").size());
        JsonNode fine = gateway.createKey("{\"userId\":\"a\",\"application\":\"b\",\"budgets\":{\"daily\":\"0.000001\","
                + "\"monthly\":\"1.50\"},\"expiresAt\":\"9999-12-31T23:59:59Z\"}");
        assertEquals(0, new java.math.BigDecimal("0.000001").compareTo(fine.get("budgets").get("daily").decimalValue()));
        assertEquals(0, new java.math.BigDecimal("1.5").compareTo(fine.get("budgets").get("monthly").decimalValue()));
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
