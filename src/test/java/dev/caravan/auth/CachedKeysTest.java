package dev.caravan.auth;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The short key cache: fewer store reads, and a key revoked elsewhere stops working once its entry expires. */
class CachedKeysTest {

    private final AtomicLong now = new AtomicLong();
    private final CountingKeyStore store = new CountingKeyStore();
    private final AtomicInteger reads = store.reads;

    @Test
    void aKeyRevokedOnAnotherInstanceStopsWorkingWhenItsEntryExpires() {
        CachedKeys cache = new CachedKeys(store, Duration.ofSeconds(5), now::get);
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
        CachedKeys cache = new CachedKeys(store, Duration.ofSeconds(5), now::get);
        ApiKey key = KeyStoreContract.key("cvn_other");
        store.create(key);
        cache.bySecretHash(key.secretHash());

        store.update(key.revoke(Instant.now()));
        cache.forget(key.secretHash());

        assertTrue(cache.bySecretHash(key.secretHash()).orElseThrow().revoked());
    }

    @Test
    void unknownHashesAreRememberedTooSoGuessingDoesNotHammerTheStore() {
        CachedKeys cache = new CachedKeys(store, Duration.ofSeconds(5), now::get);

        cache.bySecretHash("nope");
        cache.bySecretHash("nope");

        assertEquals(1, reads.get());
    }
}
