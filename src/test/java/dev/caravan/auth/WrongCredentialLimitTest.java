package dev.caravan.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.ops.LogLines;
import dev.caravan.support.LoopbackCaller;
import dev.caravan.support.LoopbackCaller.Answer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Guessing credentials through the real routes: an address that presents too many wrong master keys (or, where turned
 * on, unknown API keys) is answered 429 with Retry-After, the right key too, while other addresses are served. Each test
 * calls from its own loopback address ({@link LoopbackCaller}), so the counts are its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WrongCredentialLimitTest {

    private static final String MASTER = "Bearer " + AuthGateway.MASTER_KEY;

    private AuthGateway gateway;
    private String valid;

    @BeforeAll
    void start() throws Exception {
        gateway = AuthGateway.withKeys(AuthGateway.THREE_FAILURES);
        valid = gateway.createKey("{\"userId\":\"alice\",\"application\":\"notebook\"}").get("secret").asText();
    }

    @AfterAll
    void stop() throws Exception {
        gateway.close();
    }

    @Test
    void anAddressThatPresentsTooManyWrongMasterKeysGets429ForTheAdminApiAndSpendTheRightKeyToo() throws Exception {
        List<String> wrongKeys = List.of("wrong-master-" + KeySecrets.newSecret(), "wrong-master-" + KeySecrets.newSecret(),
                "wrong-master-" + KeySecrets.newSecret());
        try (LogLines log = LogLines.capture("dev.caravan")) {
            for (String wrong : wrongKeys) {
                assertEquals(401, send("127.0.0.2", "GET", "/admin/keys", "Authorization", "Bearer " + wrong).status());
            }

            for (String path : List.of("/admin/keys", "/v1/spend?groupBy=user", "/v1/budgets")) {
                Answer refused = send("127.0.0.2", "GET", path, "Authorization", MASTER);
                assertTooManyFailures(refused, path);
                assertTrue(refused.json().at("/error/message").asText().contains("master keys"), refused.body());
            }
            assertTooManyFailures(send("127.0.0.2", "POST", "/admin/keys", "x-api-key", AuthGateway.MASTER_KEY),
                    "POST /admin/keys");

            String logged = log.lines().toString();
            assertTrue(log.lines().stream().anyMatch(l -> l.level().equals("WARN") && l.message().contains("127.0.0.2")
                    && l.message().contains("3 wrong master keys") && !l.message().contains("trusted-proxies")),
                    logged);
            for (String secret : wrongKeys) {
                assertFalse(logged.contains(secret), "a presented key is never logged");
                assertFalse(logged.contains(KeySecrets.hash(secret)), "nor its hash");
            }
            assertFalse(logged.contains(AuthGateway.MASTER_KEY));
        }
    }

    @Test
    void oneAddressRefusedLeavesOtherAddressesServed() throws Exception {
        for (int i = 0; i < 3; i++) {
            send("127.0.0.3", "GET", "/v1/spend?groupBy=user", "Authorization", "Bearer wrong-" + i);
        }
        assertTooManyFailures(send("127.0.0.3", "GET", "/admin/keys", "Authorization", MASTER), "the guesser");

        assertEquals(200, send("127.0.0.4", "GET", "/admin/keys", "Authorization", MASTER).status());
        assertEquals(200, gateway.admin("GET", "/admin/keys", null).statusCode(), "127.0.0.1");
    }

    @Test
    void aRightKeyInBetweenResetsNoCount() throws Exception {
        for (int i = 0; i < 2; i++) {
            assertEquals(401, send("127.0.0.5", "GET", "/admin/keys", "Authorization", "Bearer wrong-" + i).status());
            assertEquals(200, send("127.0.0.5", "GET", "/admin/keys", "Authorization", MASTER).status());
        }
        assertEquals(401, send("127.0.0.5", "GET", "/admin/keys", "Authorization", "Bearer wrong-2").status());

        assertTooManyFailures(send("127.0.0.5", "GET", "/admin/keys", "Authorization", MASTER), "after the third");
    }

    @Test
    void aClientRepeatingOneOldKeyIsNotTakenForAGuesser() throws Exception {
        for (int i = 0; i < 10; i++) {
            assertEquals(401, send("127.0.0.6", "GET", "/admin/keys", "Authorization", "Bearer the-old-master-key").status());
        }
        assertEquals(401, send("127.0.0.6", "GET", "/admin/keys").status(), "no key at all is no guess");

        assertEquals(200, send("127.0.0.6", "GET", "/admin/keys", "Authorization", MASTER).status());
    }

    @Test
    void anAddressThatPresentsTooManyUnknownApiKeysGets429ItsValidKeyToo() throws Exception {
        for (int i = 0; i < 3; i++) {
            Answer unknown = send("127.0.0.7", "POST", AuthGateway.GUARDED_CHAT, "x-api-key", KeySecrets.newSecret());
            assertEquals(401, unknown.status(), unknown.body());
        }

        Answer refused = send("127.0.0.7", "POST", AuthGateway.GUARDED_CHAT, "Authorization", "Bearer " + valid);
        assertTooManyFailures(refused, "chat");
        assertTrue(refused.json().at("/error/message").asText().contains("API keys"), refused.body());
        assertTooManyFailures(send("127.0.0.7", "POST", "/v1/chat/completions", "x-api-key", valid), "the chat route");
        assertTooManyFailures(send("127.0.0.7", "GET", "/v1/models", "x-api-key", valid), "models");
        assertEquals(200, send("127.0.0.8", "POST", AuthGateway.GUARDED_CHAT, "x-api-key", valid).status(),
                "another address");
        assertEquals(200, send("127.0.0.7", "GET", "/admin/keys", "Authorization", MASTER).status(),
                "the master key is counted apart");
    }

    @Test
    void byDefaultWrongMasterKeysAreLimitedAndUnknownApiKeysAreNot() throws Exception {
        try (AuthGateway defaults = AuthGateway.withKeys(Map.of())) {
            for (int i = 0; i < 20; i++) {
                Answer unknown = send(defaults, "127.0.0.9", "POST", AuthGateway.GUARDED_CHAT, "x-api-key",
                        KeySecrets.newSecret());
                assertEquals(401, unknown.status(), unknown.body());
            }
            for (int i = 0; i < 10; i++) {
                assertEquals(401, send(defaults, "127.0.0.9", "GET", "/admin/keys", "Authorization", "Bearer wrong-" + i)
                        .status());
            }

            assertTooManyFailures(send(defaults, "127.0.0.9", "GET", "/admin/keys", "Authorization", MASTER), "defaults");
        }
    }

    /** A 429 too_many_failed_attempts in the API's error shape, with a Retry-After within the window. */
    static void assertTooManyFailures(Answer answer, String what) throws Exception {
        assertEquals(429, answer.status(), what + ": " + answer.body());
        assertTrue(answer.header("content-type").startsWith("application/json"), what);
        JsonNode error = answer.json().get("error");
        assertEquals("too_many_failed_attempts", error.get("code").asText(), what);
        assertEquals("rate_limit_error", error.get("type").asText(), what);
        assertTrue(error.has("param") && error.has("message"), what);
        long retryAfter = Long.parseLong(answer.header("retry-after"));
        assertTrue(retryAfter >= 1 && retryAfter <= 600, what + ": Retry-After " + retryAfter);
    }

    private Answer send(String from, String method, String path, String... headers) throws Exception {
        return LoopbackCaller.send(gateway.port(), from, method, path, headers);
    }

    private static Answer send(AuthGateway to, String from, String method, String path, String... headers)
            throws Exception {
        return LoopbackCaller.send(to.port(), from, method, path, headers);
    }
}
