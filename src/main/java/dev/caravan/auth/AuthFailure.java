package dev.caravan.auth;

import dev.caravan.core.GatewayException;
import org.apache.camel.Exchange;

import java.util.Map;

/**
 * A refused caller (401, 403, 429) with the headers its answer must carry ({@code WWW-Authenticate},
 * {@code x-ratelimit-*}). The headers go straight onto the HTTP response, so they survive the error responder
 * clearing the message's headers.
 */
public final class AuthFailure extends GatewayException {

    private static final String CHALLENGE = "Bearer realm=\"caravan\"";

    private final Map<String, String> headers;

    public AuthFailure(int status, String type, String code, String message, long retryAfterMillis,
                       Map<String, String> headers) {
        super(status, type, code, null, message, false, retryAfterMillis);
        this.headers = Map.copyOf(headers);
    }

    /** 401: no credential, or one that does not prove who the caller is. */
    public static AuthFailure unauthenticated(String code, String message) {
        String challenge = code.equals("missing_api_key") ? CHALLENGE
                : CHALLENGE + ", error=\"invalid_token\"";
        return new AuthFailure(401, "authentication_error", code, message, 0, Map.of("WWW-Authenticate", challenge));
    }

    /** 403: the caller is known but may not do this. */
    public static AuthFailure forbidden(String code, String message) {
        return new AuthFailure(403, "permission_error", code, message, 0, Map.of());
    }

    public Map<String, String> headers() {
        return headers;
    }

    /** Puts this failure's headers on the exchange's HTTP response, and returns it for throwing. */
    public AuthFailure appliedTo(Exchange exchange) {
        headers.forEach((name, value) -> AnswerHeaders.put(exchange, name, value));
        return this;
    }
}
