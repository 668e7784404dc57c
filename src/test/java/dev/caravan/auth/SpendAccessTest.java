package dev.caravan.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.api.Json;
import dev.caravan.ledger.Ledger;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /v1/spend} and {@code /v1/budgets} show every tenant's spend: only the master key reads them, whichever other
 * credentials the gateway takes, and without a master key configured nobody does (403); open mode reads freely.
 */
class SpendAccessTest {

    private static final List<String> SPEND_PATHS = List.of("/v1/spend?groupBy=user", "/v1/spend?groupBy=key",
            "/v1/spend?groupBy=application", "/v1/budgets");

    @Test
    void aJwtHolderCannotReadSpendWhenOnlyAnIdentityProviderIsConfigured() throws Exception {
        try (FakeIdentityProvider idp = new FakeIdentityProvider(); AuthGateway gateway = AuthGateway.start(idp.properties())) {
            String token = idp.token();
            assertEquals(200, gateway.chat("mock-echo", "Authorization", "Bearer " + token).statusCode(),
                    "the token is good");

            for (String path : SPEND_PATHS) {
                assertMasterKeyNotConfigured(gateway.send("GET", path, null, "Authorization", "Bearer " + token), path);
            }
        }
    }

    @Test
    void aKeyHolderCannotReadSpendOnAReplicaWithKeysButNoMasterKey() throws Exception {
        try (AuthGateway gateway = AuthGateway.start(Map.of("caravan.auth.api-keys", "on"))) {
            String secret = KeySecrets.newSecret();
            Ledger ledger = gateway.context().getRegistry().lookupByNameAndType("ledger", Ledger.class);
            new EmbeddedKeyStore(ledger.embeddedDatabase()).create(KeyStoreContract.key(secret));
            assertEquals(200, gateway.chat("mock-echo", "Authorization", "Bearer " + secret).statusCode(),
                    "the key is good");

            for (String path : SPEND_PATHS) {
                assertMasterKeyNotConfigured(gateway.send("GET", path, null, "Authorization", "Bearer " + secret), path);
            }
        }
    }

    private static void assertMasterKeyNotConfigured(HttpResponse<String> answer, String path) throws Exception {
        assertEquals(403, answer.statusCode(), path + ": " + answer.body());
        assertTrue(answer.headers().firstValue("content-type").orElse("").startsWith("application/json"), path);
        JsonNode error = Json.MAPPER.readTree(answer.body()).path("error");
        assertEquals("master_key_not_configured", error.path("code").asText(), path);
        assertEquals("permission_error", error.path("type").asText(), path);
        assertTrue(error.path("message").asText().contains("no master key is configured"), error.toString());
    }
}
