package dev.caravan.auth;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every key store must do, run against each one. */
abstract class KeyStoreContract {

    abstract KeyStore store();

    static ApiKey key(String secret) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        return new ApiKey(KeySecrets.newId(), KeySecrets.hash(secret), "alice", "notebook", List.of("mock-echo", "chat"),
                new RateLimit(60, 10_000), new KeyBudgets(new BigDecimal("1.5"), new BigDecimal("20")), now,
                now.plus(30, ChronoUnit.DAYS), true, null);
    }

    @Test
    void findsAKeyByTheHashOfItsSecretAndKeepsEveryField() {
        String secret = KeySecrets.newSecret();
        ApiKey key = key(secret);
        store().create(key);

        assertEquals(Optional.of(key), store().findBySecretHash(KeySecrets.hash(secret)));
        assertEquals(Optional.of(key), store().find(key.id()));
    }

    @Test
    void keepsKeysWithoutLimitsExpiryOrModels() {
        String secret = KeySecrets.newSecret();
        ApiKey bare = new ApiKey(KeySecrets.newId(), KeySecrets.hash(secret), "bob", "cli", List.of(), RateLimit.NONE,
                KeyBudgets.NONE, Instant.now().truncatedTo(ChronoUnit.MILLIS), null, false, null);
        store().create(bare);

        assertEquals(Optional.of(bare), store().findBySecretHash(KeySecrets.hash(secret)));
    }

    @Test
    void aReplaceWritesOnlyOverTheKeyAsItWasRead() {
        ApiKey key = key(KeySecrets.newSecret());
        store().create(key);
        ApiKey read = store().find(key.id()).orElseThrow();
        ApiKey daily = new ApiKey(key.id(), key.secretHash(), key.userId(), key.application(), key.allowedModels(),
                key.rateLimit(), new KeyBudgets(new BigDecimal("5"), key.budgets().monthly()), key.createdAt(),
                key.expiresAt(), key.enabled(), null);
        ApiKey monthly = new ApiKey(key.id(), key.secretHash(), key.userId(), key.application(), key.allowedModels(),
                key.rateLimit(), new KeyBudgets(key.budgets().daily(), new BigDecimal("50")), key.createdAt(),
                key.expiresAt(), key.enabled(), null);

        assertTrue(store().replace(read, daily));
        assertFalse(store().replace(read, monthly), "the key changed since it was read");
        assertEquals(Optional.of(daily), store().find(key.id()));
        assertTrue(store().replace(store().find(key.id()).orElseThrow(), new ApiKey(key.id(), key.secretHash(),
                key.userId(), key.application(), List.of(), RateLimit.NONE, KeyBudgets.NONE, key.createdAt(), null,
                false, null)), "read again, and with absent fields");
        assertThrows(IllegalArgumentException.class, () -> store().replace(key(KeySecrets.newSecret()), daily));
    }

    /** A change of the allowed models alone, even to as many others, is a change: a stale read is refused. */
    @Test
    void replaceRefusesAReadWhoseAllowedModelsChangedSince() {
        ApiKey key = key(KeySecrets.newSecret());
        store().create(key);
        ApiKey read = store().find(key.id()).orElseThrow();
        ApiKey otherModels = new ApiKey(key.id(), key.secretHash(), key.userId(), key.application(),
                List.of("mock-echo", "gpt-4o"), key.rateLimit(), key.budgets(), key.createdAt(), key.expiresAt(),
                key.enabled(), null);

        assertTrue(store().replace(read, otherModels));
        assertFalse(store().replace(read, read.withSecretHash(KeySecrets.hash(KeySecrets.newSecret()))),
                "the allowed models changed since the key was read");
        assertEquals(Optional.of(otherModels), store().find(key.id()));
    }

    @Test
    void findsNothingForAnUnknownSecret() {
        assertTrue(store().findBySecretHash(KeySecrets.hash(KeySecrets.newSecret())).isEmpty());
        assertTrue(store().find("key_unknown").isEmpty());
    }

    @Test
    void storesTheHashNeverTheSecret() {
        String secret = KeySecrets.newSecret();
        store().create(key(secret));

        assertFalse(store().list().toString().contains(secret));
    }

    @Test
    void revokingIsSeenByTheNextLookup() {
        String secret = KeySecrets.newSecret();
        ApiKey key = key(secret);
        store().create(key);

        store().update(key.revoke(Instant.now()));

        assertTrue(store().findBySecretHash(KeySecrets.hash(secret)).orElseThrow().revoked());
    }

    /**
     * Two admin calls at once (on one gateway or two): a change or rotation that read the key before a revoke landed
     * must not write it back unrevoked, or the revoked (perhaps leaked) key would work again.
     */
    @Test
    void aKeyReadBeforeItWasRevokedIsNotWrittenBackOverTheRevocation() {
        String secret = KeySecrets.newSecret();
        ApiKey key = key(secret);
        store().create(key);
        ApiKey readBeforeTheRevoke = store().find(key.id()).orElseThrow();
        store().update(readBeforeTheRevoke.revoke(Instant.now()));

        assertThrows(KeyRevokedException.class, () -> store().update(readBeforeTheRevoke.withSecretHash(
                KeySecrets.hash(KeySecrets.newSecret()))));
        assertThrows(KeyRevokedException.class, () -> store().update(new ApiKey(key.id(), key.secretHash(),
                key.userId(), key.application(), List.of(), RateLimit.NONE, KeyBudgets.NONE, key.createdAt(), null,
                false, null)));

        ApiKey stored = store().find(key.id()).orElseThrow();
        assertTrue(stored.revoked(), "still revoked: " + stored);
        assertEquals(key.secretHash(), stored.secretHash());
        assertEquals(key.allowedModels(), stored.allowedModels());
        // a revoked key written again (a second revoke) is no change of its state
        store().update(stored.revoke(Instant.now()));
        assertEquals(stored, store().find(key.id()).orElseThrow());
    }

    @Test
    void rotationRetiresTheOldSecretsHash() {
        String old = KeySecrets.newSecret();
        String fresh = KeySecrets.newSecret();
        ApiKey key = key(old);
        store().create(key);

        store().update(key.withSecretHash(KeySecrets.hash(fresh)));

        assertTrue(store().findBySecretHash(KeySecrets.hash(old)).isEmpty());
        assertEquals(key.id(), store().findBySecretHash(KeySecrets.hash(fresh)).orElseThrow().id());
    }

    @Test
    void refusesToCreateTheSameIdTwiceOrUpdateAMissingKey() {
        ApiKey key = key(KeySecrets.newSecret());
        store().create(key);

        assertThrows(RuntimeException.class, () -> store().create(key.withSecretHash(KeySecrets.hash("other"))));
        assertThrows(IllegalArgumentException.class, () -> store().update(key(KeySecrets.newSecret())));
    }

    @Test
    void listsKeysOldestFirst() {
        ApiKey first = key(KeySecrets.newSecret());
        store().create(first);
        List<ApiKey> keys = store().list();

        assertTrue(keys.contains(first));
        for (int i = 1; i < keys.size(); i++) {
            assertFalse(keys.get(i).createdAt().isBefore(keys.get(i - 1).createdAt()));
        }
    }
}
