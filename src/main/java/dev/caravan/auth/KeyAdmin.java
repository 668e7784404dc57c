package dev.caravan.auth;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.api.Json;
import dev.caravan.core.GatewayException;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The admin API's beans: keys are created (the secret is answered once and never stored), listed and read (never
 * with secret or hash), changed, revoked and rotated. Every call must carry the master key; without one configured the admin
 * API does not exist (404). An address that presents too many wrong master keys is refused for a while (429). A key
 * store that cannot be reached is 503 {@code key_store_unavailable}, as for chat requests.
 */
public final class KeyAdmin {

    private static final Logger LOG = LoggerFactory.getLogger(KeyAdmin.class);
    /** How often a change is read and written again while other changes of the key keep landing first. */
    private static final int CHANGE_ATTEMPTS = 5;

    private final String masterKey;
    private final CachedKeys keys;
    private final GuessLimiter masterGuesses;
    private final Clock clock;
    private final Consumer<String> limitsChanged;

    /**
     * {@code masterKey} blank: the admin API is off, and spend cannot be read. {@code keys} null: no key store (API keys
     * off); the master key then still reads spend, but the admin API is off. {@code masterGuesses}: wrong master keys
     * per client address, on the admin API and spend alike. {@code limitsChanged}: told the id of a key whose own
     * budgets a change replaced.
     */
    public KeyAdmin(String masterKey, CachedKeys keys, GuessLimiter masterGuesses, Clock clock,
                    Consumer<String> limitsChanged) {
        this.masterKey = masterKey == null ? "" : masterKey.trim();
        this.keys = keys;
        this.masterGuesses = masterGuesses;
        this.clock = clock;
        this.limitsChanged = limitsChanged;
    }

    /** Whether the admin API is on: a master key and a key store. */
    public boolean enabled() {
        return !masterKey.isEmpty() && keys != null;
    }

    /** Route step first on every admin route: 404 when off, 401 without the master key. */
    public void checkMasterKey(Exchange exchange) {
        if (!enabled()) {
            forgetCredentials(exchange.getMessage());
            throw GatewayException.notFound("unknown_url", "The admin API is disabled: no master key is configured");
        }
        requireMasterKey(exchange);
    }

    /**
     * Route step first on the spend and budget routes: they show every tenant's spend, so only the master key reads
     * them, whichever other credentials the gateway accepts; 403 when no master key is configured.
     */
    public void checkSpendReader(Exchange exchange) {
        if (masterKey.isEmpty()) {
            forgetCredentials(exchange.getMessage());
            throw AuthFailure.forbidden("master_key_not_configured", "Spend and budgets show every caller's spend and "
                    + "are read with the master key, but no master key is configured (set CARAVAN_MASTER_KEY)");
        }
        requireMasterKey(exchange);
    }

    private void requireMasterKey(Exchange exchange) {
        Message message = exchange.getMessage();
        String authorization = message.getHeader("Authorization", String.class);
        String apiKey = message.getHeader("x-api-key", String.class);
        forgetCredentials(message);
        String presented;
        try {
            // refused before the key is compared, so that a guesser cannot tell a right guess while refused
            masterGuesses.admit(exchange);
            presented = Authenticator.credential(authorization, apiKey);
        } catch (AuthFailure failure) {
            throw failure.appliedTo(exchange);
        }
        if (!KeySecrets.sameSecret(presented, masterKey)) {
            LOG.warn("Admin API call from {} refused: wrong master key", masterGuesses.clientOf(exchange));
            masterGuesses.failed(exchange, KeySecrets.hash(presented));
            throw AuthFailure.unauthenticated("invalid_api_key", "Incorrect master key provided").appliedTo(exchange);
        }
    }

    private static void forgetCredentials(Message message) {
        message.removeHeader("Authorization");
        message.removeHeader("x-api-key");
    }

    public void create(Exchange exchange) {
        KeyRequestReader.NewKey request = KeyRequestReader.read(Json.readObject(exchange.getMessage().getBody(byte[].class)));
        String secret = KeySecrets.newSecret();
        Instant now = clock.instant();
        ApiKey key = new ApiKey(KeySecrets.newId(), KeySecrets.hash(secret), request.userId(), request.application(),
                request.allowedModels(), request.rateLimit(), request.budgets(), now, request.expiresAt(),
                request.enabled(), null);
        inStore("create a key", () -> keys.store().create(key));
        LOG.info("Created key {} for user {} in application {}", key.id(), key.userId(), key.application());
        answer(exchange, 201, describe(key).put("secret", secret));
    }

    public void list(Exchange exchange) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("object", "list");
        ArrayNode data = body.putArray("data");
        inStore("list the keys", () -> keys.store().list()).forEach(key -> data.add(describe(key)));
        answer(exchange, 200, body);
    }

    public void read(Exchange exchange) {
        answer(exchange, 200, describe(existing(exchange)));
    }

    /**
     * Changes a key's models, rate limit, budgets, expiry or whether it is enabled; the change holds at once on this
     * gateway, and on others within their key cache's time. A revoked key is 409: it stays revoked as it was.
     */
    public void change(Exchange exchange) {
        ObjectNode body = Json.readObject(exchange.getMessage().getBody(byte[].class));
        Change change = changeStored(exchange, "change", key -> KeyRequestReader.change(key, body));
        if (!change.after().budgets().equals(change.before().budgets())) {
            limitsChanged.accept(change.before().id());
        }
        LOG.info("Changed key {}", change.before().id());
        answer(exchange, 200, describe(change.after()));
    }

    /** A key as it was stored and as a change wrote it. */
    private record Change(ApiKey before, ApiKey after) {
    }

    /**
     * Writes {@code change} of the key as stored; if another call changed the key between the read and the write, reads
     * it again and applies the change to that, so that neither change is lost. A revoked key is 409 (a revoke that
     * landed meanwhile too: it stays revoked).
     */
    private Change changeStored(Exchange exchange, String what, UnaryOperator<ApiKey> change) {
        for (int attempt = 1; ; attempt++) {
            ApiKey key = existing(exchange);
            if (key.revoked()) {
                throw revoked(key);
            }
            ApiKey changed = change.apply(key);
            if (inStore(what + " key " + key.id(), () -> keys.store().replace(key, changed))) {
                keys.forget(key.secretHash());
                return new Change(key, changed);
            }
            if (attempt == CHANGE_ATTEMPTS) {
                throw new GatewayException(409, "invalid_request_error", "key_changed", "id", "Key " + key.id()
                        + " is being changed by other calls; try again", false, 0);
            }
        }
    }

    private static GatewayException revoked(ApiKey key) {
        return new GatewayException(409, "invalid_request_error", "key_revoked", "id",
                "Key " + key.id() + " is revoked; create a new one", false, 0);
    }

    public void revoke(Exchange exchange) {
        ApiKey key = existing(exchange);
        ApiKey revoked = key.revoke(clock.instant());
        inStore("revoke key " + key.id(), () -> keys.store().update(revoked));
        keys.forget(key.secretHash());
        LOG.info("Revoked key {}", key.id());
        answer(exchange, 200, describe(revoked));
    }

    public void rotate(Exchange exchange) {
        String secret = KeySecrets.newSecret();
        Change rotated = changeStored(exchange, "rotate", key -> key.withSecretHash(KeySecrets.hash(secret)));
        LOG.info("Rotated key {}", rotated.before().id());
        answer(exchange, 200, describe(rotated.after()).put("secret", secret));
    }

    private ApiKey existing(Exchange exchange) {
        String id = exchange.getMessage().getHeader("id", String.class);
        return inStore("read a key", () -> keys.store().find(id == null ? "" : id))
                .orElseThrow(() -> GatewayException.notFound("key_not_found", "No key " + id));
    }

    private static void inStore(String what, Runnable call) {
        inStore(what, () -> {
            call.run();
            return null;
        });
    }

    /** The store's answer; its failure (not a refusal such as a revoke that landed meanwhile) is 503. */
    private static <T> T inStore(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (GatewayException | IllegalArgumentException | IllegalStateException refused) {
            throw refused;
        } catch (RuntimeException e) {
            throw KeyStoreUnavailable.because(LOG, "Could not " + what, e,
                    "The key store cannot be reached; try again shortly");
        }
    }

    /** Everything about a key except its secret and hash. */
    ObjectNode describe(ApiKey key) {
        ObjectNode node = Json.MAPPER.createObjectNode().put("object", "api_key").put("id", key.id())
                .put("userId", key.userId()).put("application", key.application());
        ArrayNode models = node.putArray("allowedModels");
        key.allowedModels().forEach(models::add);
        node.set("rateLimit", KeyRequestReader.json(key.rateLimit()));
        node.set("budgets", KeyRequestReader.json(key.budgets()));
        node.put("createdAt", key.createdAt().toString());
        node.put("expiresAt", key.expiresAt() == null ? null : key.expiresAt().toString());
        node.put("enabled", key.enabled());
        node.put("revokedAt", key.revokedAt() == null ? null : key.revokedAt().toString());
        node.put("status", key.revoked() ? "revoked" : !key.enabled() ? "disabled"
                : key.expired(clock.instant()) ? "expired" : "active");
        return node;
    }

    private static void answer(Exchange exchange, int status, ObjectNode body) {
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        // Camel's HTTP header filter drops Cache-Control from the message; it goes on the response itself.
        AnswerHeaders.put(exchange, "Cache-Control", "no-store");
        message.setBody(Json.responseBody(body));
    }
}
