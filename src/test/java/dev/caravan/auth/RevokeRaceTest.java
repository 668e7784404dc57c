package dev.caravan.auth;

import dev.caravan.core.GatewayException;
import dev.caravan.ledger.EmbeddedDatabase;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A change or rotation of a key and its revoke at the same time (two operators, or two gateways): the revoke lands
 * between the change's read of the key and its write. The change is 409 key_revoked, as for a key revoked before it,
 * and the key stays revoked; it was written back unrevoked before, so the revoked key worked again. Another change
 * landing there is kept: the change is made on top of it (it was overwritten before).
 */
class RevokeRaceTest {

    @TempDir
    Path dataDir;
    private EmbeddedDatabase database;
    private EmbeddedKeyStore keys;
    private KeyAdmin admin;

    @BeforeEach
    void open() {
        database = new EmbeddedDatabase(dataDir);
        keys = new EmbeddedKeyStore(database);
        admin = new KeyAdmin("master-key", new CachedKeys(new RevokedWhenRead(keys, true), Duration.ofSeconds(5)),
                GuessLimiter.OFF, Clock.systemUTC(), keyId -> { });
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void aChangeRacingARevokeIs409AndTheKeyStaysRevoked() {
        ApiKey key = KeyStoreContract.key(KeySecrets.newSecret());
        keys.create(key);

        GatewayException refused = assertThrows(GatewayException.class,
                () -> admin.change(call(key.id(), "{\"enabled\":true,\"allowedModels\":null}")));

        assertEquals(409, refused.status(), refused.getMessage());
        assertEquals("key_revoked", refused.code());
        ApiKey stored = keys.find(key.id()).orElseThrow();
        assertTrue(stored.revoked(), stored.toString());
        assertEquals(key.allowedModels(), stored.allowedModels(), "the change was not written");
    }

    @Test
    void aRotationRacingARevokeIs409AndTheKeyStaysRevoked() {
        ApiKey key = KeyStoreContract.key(KeySecrets.newSecret());
        keys.create(key);
        Exchange rotate = call(key.id(), null);

        GatewayException refused = assertThrows(GatewayException.class, () -> admin.rotate(rotate));

        assertEquals(409, refused.status(), refused.getMessage());
        assertEquals("key_revoked", refused.code());
        ApiKey stored = keys.find(key.id()).orElseThrow();
        assertTrue(stored.revoked(), stored.toString());
        assertEquals(key.secretHash(), stored.secretHash(), "no new secret was stored");
    }

    private static Exchange call(String keyId, String body) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setHeader("id", keyId);
        if (body != null) {
            exchange.getMessage().setBody(body.getBytes(StandardCharsets.UTF_8));
        }
        return exchange;
    }

    @Test
    void aChangeThatAnotherChangeOvertookIsMadeOnTopOfItNeitherIsLost() {
        ApiKey key = KeyStoreContract.key(KeySecrets.newSecret());
        keys.create(key);
        KeyAdmin racing = new KeyAdmin("master-key", new CachedKeys(RevokedWhenRead.changedOnce(keys, read ->
                new ApiKey(read.id(), read.secretHash(), read.userId(), read.application(), read.allowedModels(),
                        read.rateLimit(), new KeyBudgets(read.budgets().daily(), new BigDecimal("50")), read.createdAt(),
                        read.expiresAt(), read.enabled(), null)), Duration.ofSeconds(5)),
                GuessLimiter.OFF, Clock.systemUTC(), keyId -> { });

        racing.change(call(key.id(), "{\"budgets\":{\"daily\":5}}"));

        KeyBudgets stored = keys.find(key.id()).orElseThrow().budgets();
        assertEquals(new KeyBudgets(new BigDecimal("5"), new BigDecimal("50")), stored, "both changes hold");
    }
}
