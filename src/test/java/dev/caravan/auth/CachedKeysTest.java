package dev.caravan.auth;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The short key cache: fewer store reads, a key revoked elsewhere stops working once its entry expires, and a flood of
 * made-up keys does not push out the keys in use.
 */
class CachedKeysTest {

    private final AtomicLong now = new AtomicLong();
    private final CountingKeyStore store = new CountingKeyStore();
    private final AtomicInteger reads = store.reads;
    private final CachedKeys cache = new CachedKeys(store, Duration.ofSeconds(5), now::get);

    @Test
    void aKeyRevokedOnAnotherInstanceStopsWorkingWhenItsEntryExpires() {
        ApiKey key = KeyStoreContract.key("cvn_secret");
        store.create(key);
        assertFalse(cache.bySecretHash(key.secretHash()).orElseThrow().revoked());

        store.update(key.revoke(Instant.now()));
        now.addAndGet(Duration.ofSeconds(4).toNanos());
        assertFalse(cache.bySecretHash(key.secretHash()).orElseThrow().revoked());
        now.addAndGet(Duration.ofSeconds(2).toNanos());

        assertTrue(cache.bySecretHash(key.secretHash()).orElseThrow().revoked());
        assertEquals(2, reads.get());
    }

    @Test
    void forgettingAHashReadsTheStoreAgainAtOnce() {
        ApiKey key = cachedKey("cvn_other");

        store.update(key.revoke(Instant.now()));
        cache.forget(key.secretHash());

        assertTrue(cache.bySecretHash(key.secretHash()).orElseThrow().revoked());
    }

    /**
     * The admin API revokes a key on this gateway while a request's look-up of that key is reading the store: the key
     * it read is the one before the revoke, and must not be remembered after the revoke has forgotten the hash, or the
     * revoked key would keep working here for the cache's time (a change holds at once on the gateway that made it).
     */
    @Test
    void aLookupThatReadTheKeyBeforeARevokeOnThisGatewayDoesNotRememberIt() {
        RevokedWhenRead store = new RevokedWhenRead(new CountingKeyStore(), false);
        CachedKeys racing = new CachedKeys(store, Duration.ofSeconds(5), now::get);
        store.afterRevoke(racing::forget);
        ApiKey key = KeyStoreContract.key("cvn_racing");
        store.create(key);

        assertFalse(racing.bySecretHash(key.secretHash()).orElseThrow().revoked(), "read before the revoke");

        assertTrue(racing.bySecretHash(key.secretHash()).orElseThrow().revoked(), "the revoke holds at once");
    }

    @Test
    void unknownHashesAreRememberedTooSoGuessingDoesNotHammerTheStore() {
        cache.bySecretHash("nope");
        cache.bySecretHash("nope");

        assertEquals(1, reads.get());
    }

    @Test
    void aFloodOfUnknownKeysDoesNotPushOutTheKeysInUse() {
        ApiKey key = cachedKey("cvn_in_use");

        for (int i = 0; i < 25_000; i++) {
            cache.bySecretHash(KeySecrets.hash("made-up-" + i));
        }
        int readsBefore = reads.get();

        assertTrue(cache.knows(key.secretHash()));
        assertTrue(cache.bySecretHash(key.secretHash()).isPresent());
        assertEquals(readsBefore, reads.get(), "the key in use is still answered from memory");
    }

    @Test
    void unknownHashesAreDroppedAsTheCacheGrowsSoItStaysBounded() {
        for (int i = 0; i < 50_000; i++) {
            cache.bySecretHash(KeySecrets.hash("made-up-" + i));
            assertTrue(cache.entries() <= 10_000, "entries " + cache.entries());
        }
    }

    /** A key in the store, looked up once so that the cache holds it. */
    private ApiKey cachedKey(String secret) {
        ApiKey key = KeyStoreContract.key(secret);
        store.create(key);
        cache.bySecretHash(key.secretHash());
        return key;
    }
}
