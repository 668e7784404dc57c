package dev.caravan.auth;

import dev.caravan.routing.CallContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Optional;

/**
 * Who is calling: reads the credential ({@code Authorization: Bearer} as OpenAI SDKs send it, or {@code x-api-key}
 * as Anthropic SDKs do), checks it as a Caravan key or an identity provider's JWT, and puts the caller's
 * {@link Identity} in the exchange property {@code identity}. Refusals are {@link AuthFailure}s (401, 403), and 429
 * for an address that has presented too many unknown Caravan keys (see {@link GuessLimiter}).
 */
public final class Authenticator {

    private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);
    private static final String BEARER = "bearer ";

    private final AuthMode mode;
    private final CachedKeys keys;
    private final JwtVerifier jwts;
    private final GuessLimiter keyGuesses;
    private final Clock clock;

    /**
     * {@code keys} null: no API keys; {@code jwts} null: no identity provider; {@code keyGuesses}: unknown Caravan keys
     * per client address (each one is a read of the key store).
     */
    public Authenticator(AuthMode mode, CachedKeys keys, JwtVerifier jwts, GuessLimiter keyGuesses, Clock clock) {
        this.mode = mode;
        this.keys = keys;
        this.jwts = jwts;
        this.keyGuesses = keyGuesses;
        this.clock = clock;
    }

    public AuthMode mode() {
        return mode;
    }

    /**
     * Route step: sets the {@code identity} property, or throws 401. The credential headers are removed from the
     * message either way, so that no later step can echo them to the caller or forward them upstream.
     */
    public void authenticate(Exchange exchange) {
        Message message = exchange.getMessage();
        HashedKey hashed = exchange.removeProperty(HashedKey.PROPERTY) instanceof HashedKey h ? h : null;
        String knownHash = hashed == null ? null
                : hashed.hashOf(message.getHeader("Authorization"), message.getHeader("x-api-key"));
        String authorization = message.getHeader("Authorization", String.class);
        String apiKey = message.getHeader("x-api-key", String.class);
        message.removeHeader("Authorization");
        message.removeHeader("x-api-key");
        Identity identity = identify(exchange, authorization, apiKey, knownHash);
        exchange.setProperty(Identity.PROPERTY, identity);
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        if (call != null && identity.kind() != Identity.Kind.ANONYMOUS) {
            call.caller(identity.userId(), identity.application(), identity.keyId());
            if (identity.budgets() != null) {
                call.keyBudgets(identity.budgets().daily(), identity.budgets().monthly());
            }
        }
    }

    /**
     * Whether {@link #authenticate} would answer this request without I/O: no authentication, a key known to the
     * cache, a JWT whose key is in the identity provider's cached key set, or a credential refused on its form. A key
     * the cache does not know is read from the key store, and another JWT needs the provider's keys fetched.
     */
    public boolean answersFromMemory(Exchange exchange) {
        if (mode.open()) {
            return true;
        }
        Message message = exchange.getMessage();
        String credential;
        try {
            credential = credential(message.getHeader("Authorization", String.class),
                    message.getHeader("x-api-key", String.class));
        } catch (AuthFailure refused) {
            return true;
        }
        if (KeySecrets.looksLikeKey(credential) && keys != null) {
            String hash = KeySecrets.hash(credential);
            exchange.setProperty(HashedKey.PROPERTY, new HashedKey(message.getHeader("Authorization"),
                    message.getHeader("x-api-key"), hash));
            return keys.knows(hash) || keyGuesses.refuses(exchange);
        }
        return !(JwtVerifier.looksLikeJwt(credential) && jwts != null) || jwts.verifiesFromMemory(credential);
    }

    /**
     * The hash {@link #answersFromMemory} computed, kept for {@link #authenticate} so that a key is hashed once per
     * request. It holds the very header objects it was computed from (compared by identity, not by content), never a
     * copy of a secret, and is removed by {@link #authenticate}.
     */
    private record HashedKey(Object authorization, Object apiKey, String hash) {
        static final String PROPERTY = "CaravanHashedKey";

        String hashOf(Object authorizationHeader, Object apiKeyHeader) {
            return authorization == authorizationHeader && apiKey == apiKeyHeader ? hash : null;
        }
    }

    private Identity identify(Exchange exchange, String authorization, String apiKey, String knownHash) {
        if (mode.open()) {
            return Identity.anonymous();
        }
        try {
            String credential = credential(authorization, apiKey);
            if (KeySecrets.looksLikeKey(credential) && keys != null) {
                keyGuesses.admit(exchange);
                return checkKey(exchange, knownHash != null ? knownHash : KeySecrets.hash(credential));
            }
            if (JwtVerifier.looksLikeJwt(credential) && jwts != null) {
                return jwts.verify(credential);
            }
            throw AuthFailure.unauthenticated("invalid_api_key", "Incorrect API key provided");
        } catch (AuthFailure failure) {
            throw failure.appliedTo(exchange);
        }
    }

    /** Route step after the request is parsed: 403 unless the caller may use the requested model. */
    public void authorizeModel(Exchange exchange) {
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        authorize(exchange, call == null || call.request() == null ? null : call.request().model());
    }

    /** 403 unless the caller may use {@code model}; for routes that know the model some other way. */
    public void authorize(Exchange exchange, String model) {
        Identity identity = exchange.getProperty(Identity.PROPERTY, Identity.class);
        if (identity == null) {
            throw AuthFailure.unauthenticated("missing_api_key", "The request was not authenticated").appliedTo(exchange);
        }
        if (!identity.mayUse(model)) {
            throw AuthFailure.forbidden("model_not_allowed",
                    "This API key is not allowed to use the model '" + model + "'").appliedTo(exchange);
        }
    }

    private Identity checkKey(Exchange exchange, String hash) {
        Optional<ApiKey> found;
        try {
            found = keys.bySecretHash(hash);
        } catch (RuntimeException e) {
            // The store's failure (an outage, throttling), not the caller's: as for an identity provider's keys.
            throw KeyStoreUnavailable.because(LOG, "An API key could not be looked up", e,
                    "The API key cannot be checked now: the key store cannot be reached; try again shortly");
        }
        if (found.isEmpty() || !KeySecrets.sameHash(found.get().secretHash(), hash)) {
            keyGuesses.failed(exchange, hash);
            throw AuthFailure.unauthenticated("invalid_api_key", "Incorrect API key provided");
        }
        ApiKey key = found.get();
        if (key.revoked()) {
            LOG.info("Refused revoked key {}", key.id());
            throw AuthFailure.unauthenticated("revoked_api_key", "This API key has been revoked");
        }
        if (!key.enabled()) {
            LOG.info("Refused disabled key {}", key.id());
            throw AuthFailure.unauthenticated("disabled_api_key", "This API key is disabled");
        }
        if (key.expired(clock.instant())) {
            throw AuthFailure.unauthenticated("expired_api_key", "This API key has expired");
        }
        return Identity.of(key);
    }

    /** The caller's credential, or a 401 when there is none or it is not in a form we read. */
    static String credential(String authorization, String apiKey) {
        String credential;
        if (authorization != null && authorization.trim().equalsIgnoreCase("bearer")) {
            credential = null;
        } else if (authorization != null && !authorization.isBlank()) {
            if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
                throw AuthFailure.unauthenticated("invalid_api_key",
                        "The Authorization header must be 'Bearer <API key>'");
            }
            credential = authorization.substring(BEARER.length()).trim();
        } else {
            credential = apiKey;
        }
        if (credential == null || credential.isBlank()) {
            throw AuthFailure.unauthenticated("missing_api_key", "You didn't provide an API key. Send it as "
                    + "'Authorization: Bearer <key>' or in the 'x-api-key' header");
        }
        return credential.trim();
    }
}
