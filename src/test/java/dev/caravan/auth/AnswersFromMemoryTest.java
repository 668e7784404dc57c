package dev.caravan.auth;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whether authentication can answer a request without I/O, which decides whether the chat route's steps before the
 * call may stay on the event loop (PreCallPlacement): asking never reads the key store.
 */
class AnswersFromMemoryTest {

    private final AtomicLong now = new AtomicLong();
    private final CountingKeyStore store = new CountingKeyStore();
    private final AtomicInteger reads = store.reads;
    private final CachedKeys cache = new CachedKeys(store, Duration.ofSeconds(5), now::get);

    @Test
    void withoutAuthenticationEveryRequestIsAnsweredFromMemory() {
        Authenticator open = new Authenticator(new AuthMode(false, false, false), null, null, GuessLimiter.OFF,
                Clock.systemUTC());
        assertTrue(open.answersFromMemory(request("Bearer sk-anything")));
    }

    @Test
    void aKeyIsAnsweredFromMemoryOnlyWhileTheCacheKnowsIt() {
        Authenticator authenticator = new Authenticator(new AuthMode(true, false, true), cache, null, GuessLimiter.OFF,
                Clock.systemUTC());
        String secret = KeySecrets.newSecret();
        store.create(KeyStoreContract.key(secret));

        assertFalse(authenticator.answersFromMemory(request("Bearer " + secret)), "not yet read: the store is");
        assertEquals(0, reads.get(), "asking does not read the store");
        cache.bySecretHash(KeySecrets.hash(secret));
        assertTrue(authenticator.answersFromMemory(request("Bearer " + secret)), "cached");
        assertTrue(authenticator.answersFromMemory(request(null, secret)), "the same key as x-api-key");
        now.addAndGet(Duration.ofSeconds(6).toNanos());
        assertFalse(authenticator.answersFromMemory(request("Bearer " + secret)), "the entry expired");
        assertEquals(1, reads.get());
    }

    @Test
    void aCredentialRefusedOnItsFormNeedsNoStore() {
        Authenticator authenticator = new Authenticator(new AuthMode(true, false, true), cache, null, GuessLimiter.OFF,
                Clock.systemUTC());
        assertTrue(authenticator.answersFromMemory(request(null)), "no credential: 401 at once");
        assertTrue(authenticator.answersFromMemory(request("Basic dXNlcjpwYXNz")), "not a bearer credential");
        assertTrue(authenticator.answersFromMemory(request("Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln")),
                "a JWT with no identity provider configured: 401 at once");
        assertEquals(0, reads.get());
    }

    /**
     * A JWT is answered from memory while the identity provider's key set the cache fetched holds its key: not before
     * the first fetch, not for a key id the set does not have (the cache would fetch again), not once the cache's
     * time to live has passed.
     */
    @Test
    void aJwtIsAnsweredFromMemoryOnlyWhileTheCachedKeySetHoldsItsKey() throws Exception {
        try (FakeIdentityProvider idp = new FakeIdentityProvider()) {
            AtomicLong millis = new AtomicLong(System.currentTimeMillis());
            JwtVerifier jwts = new JwtVerifier(idp.settings(Duration.ofMinutes(5)), millis::get);
            Authenticator authenticator = new Authenticator(new AuthMode(false, true, false), null, jwts,
                    GuessLimiter.OFF, Clock.systemUTC());
            String token = idp.token();

            assertFalse(authenticator.answersFromMemory(request("Bearer " + token)), "no key set fetched yet");
            assertEquals(0, idp.jwksFetches.get(), "asking fetches nothing");
            Exchange first = request("Bearer " + token);
            authenticator.authenticate(first);
            assertNotNull(first.getProperty(Identity.PROPERTY, Identity.class));
            assertEquals(1, idp.jwksFetches.get());

            assertTrue(authenticator.answersFromMemory(request("Bearer " + idp.token())), "its key is cached");
            assertFalse(authenticator.answersFromMemory(request("Bearer " + idp.tokenSignedWithNewKey("next-key"))),
                    "a key id the cached set does not have: verifying it would fetch the set again");
            assertTrue(authenticator.answersFromMemory(request("Bearer not.a.jwt")),
                    "an unreadable token is refused without any key");
            millis.addAndGet(Duration.ofMinutes(5).toMillis());
            assertFalse(authenticator.answersFromMemory(request("Bearer " + token)), "the cached set expired");
            assertEquals(1, idp.jwksFetches.get());
        }
    }

    /**
     * The hash worked out while asking is the one authentication then uses, for the very header it came from: a
     * header replaced in between is hashed afresh, and nothing of it is left on the exchange.
     */
    @Test
    void authenticationUsesTheHashWorkedOutWhileAskingOnlyForTheSameHeader() {
        Authenticator authenticator = new Authenticator(new AuthMode(true, false, true), cache, null, GuessLimiter.OFF,
                Clock.systemUTC());
        String first = KeySecrets.newSecret();
        String second = KeySecrets.newSecret();
        store.create(KeyStoreContract.key(first));

        Exchange same = request("Bearer " + first);
        authenticator.answersFromMemory(same);
        authenticator.authenticate(same);
        assertNotNull(same.getProperty(Identity.PROPERTY, Identity.class));
        assertTrue(same.getProperties().keySet().stream().noneMatch(name -> name.contains("Hashed")),
                same.getProperties().toString());

        Exchange replaced = request("Bearer " + first);
        authenticator.answersFromMemory(replaced);
        replaced.getMessage().setHeader("Authorization", "Bearer " + second);
        assertThrows(RuntimeException.class, () -> authenticator.authenticate(replaced),
                "the replaced header's key is unknown: refused, not let in on the first key's hash");
    }

    private static Exchange request(String authorization) {
        return request(authorization, null);
    }

    private static Exchange request(String authorization, String apiKey) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setHeader("Authorization", authorization);
        exchange.getMessage().setHeader("x-api-key", apiKey);
        return exchange;
    }
}
