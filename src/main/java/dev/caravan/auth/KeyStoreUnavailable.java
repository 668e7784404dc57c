package dev.caravan.auth;

import dev.caravan.core.GatewayException;
import org.slf4j.Logger;

/**
 * The key store's failure (an outage, throttling, a timeout), which is neither the caller's nor a bug of the gateway:
 * 503 {@code key_store_unavailable} with Retry-After, as for an identity provider whose keys cannot be fetched, and one
 * WARN line with the store's error (which never holds a key's secret).
 */
final class KeyStoreUnavailable {

    private KeyStoreUnavailable() {
    }

    /** Logs what could not be done and answers the 503 to throw; {@code message} is the caller's. */
    static GatewayException because(Logger log, String what, RuntimeException e, String message) {
        log.warn("{}: the key store failed ({})", what, e.toString());
        return new GatewayException(503, "server_error", "key_store_unavailable", null, message, true, 1000);
    }
}
