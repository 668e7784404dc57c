package dev.caravan.auth;

import dev.caravan.core.GatewayException;
import dev.caravan.ledger.DynamoSettings;
import dev.caravan.ops.LogLines;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.net.URI;
import java.time.Clock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Keys in DynamoDB while DynamoDB cannot be reached (nothing listens on its endpoint): a key the cache does not hold
 * cannot be checked, which is the store's failure, not the caller's nor a bug of the gateway: 503
 * {@code key_store_unavailable}, retryable, as for an identity provider whose keys cannot be fetched. It was a 500
 * internal_error with a stack trace per request. The admin API answers the same, with one WARN line per call.
 */
class KeyStoreOutageTest {

    @Test
    void aKeyThatCannotBeLookedUpIs503() throws Exception {
        URI nothingListens = URI.create("http://127.0.0.1:" + AuthGateway.freePort());
        try (DynamoDbClient client = new DynamoSettings(nothingListens, "us-east-1", "ai-costs", "ai-cost-counters", false)
                .client(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))) {
            Authenticator authenticator = new Authenticator(new AuthMode(true, false, true),
                    new CachedKeys(new DynamoKeyStore(client, DynamoKeyStore.DEFAULT_TABLE, false), Duration.ofSeconds(5)),
                    null, GuessLimiter.OFF, Clock.systemUTC());
            String secret = KeySecrets.newSecret();
            Exchange request = new DefaultExchange(new DefaultCamelContext());
            request.getMessage().setHeader("Authorization", "Bearer " + secret);

            GatewayException refused = assertThrows(GatewayException.class, () -> authenticator.authenticate(request));

            assertEquals(503, refused.status(), refused.getMessage());
            assertEquals("key_store_unavailable", refused.code());
            assertEquals(1000, refused.retryAfterMillis());
            assertFalse(refused.getMessage().contains(secret));
        }
    }

    @Test
    void everyAdminCallThatNeedsTheStoreIs503WithOneWarning() throws Exception {
        URI nothingListens = URI.create("http://127.0.0.1:" + AuthGateway.freePort());
        try (DynamoDbClient client = new DynamoSettings(nothingListens, "us-east-1", "ai-costs", "ai-cost-counters", false)
                .client(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")));
             LogLines log = LogLines.capture(KeyAdmin.class.getName())) {
            KeyAdmin admin = new KeyAdmin("master-key", new CachedKeys(new DynamoKeyStore(client,
                    DynamoKeyStore.DEFAULT_TABLE, false), Duration.ofSeconds(5)), GuessLimiter.OFF, Clock.systemUTC(),
                    keyId -> { });
            Map<String, Consumer<Exchange>> calls = Map.of(
                    "create", admin::create, "list", admin::list, "read", admin::read, "change", admin::change,
                    "revoke", admin::revoke, "rotate", admin::rotate);
            for (Map.Entry<String, Consumer<Exchange>> call : calls.entrySet()) {
                Exchange request = new DefaultExchange(new DefaultCamelContext());
                request.getMessage().setHeader("id", "key_0123456789abcdef");
                request.getMessage().setBody((call.getKey().equals("create") ? "{\"userId\":\"alice\",\"application\":\"checkout\"}"
                        : "{\"enabled\":false}").getBytes(StandardCharsets.UTF_8));
                int warnedBefore = warnings(log).size();

                GatewayException refused = assertThrows(GatewayException.class, () -> call.getValue().accept(request),
                        call.getKey());

                assertEquals(503, refused.status(), call.getKey() + ": " + refused.getMessage());
                assertEquals("key_store_unavailable", refused.code(), call.getKey());
                assertEquals(1000, refused.retryAfterMillis(), call.getKey());
                assertEquals(warnedBefore + 1, warnings(log).size(), call.getKey() + ": one warning");
            }
            assertFalse(log.lines().stream().anyMatch(line -> line.message().contains(KeySecrets.PREFIX)), "no secret logged");
        }
    }

    private static List<LogLines.Line> warnings(LogLines log) {
        return log.matching(line -> line.level().equals("WARN"));
    }
}
