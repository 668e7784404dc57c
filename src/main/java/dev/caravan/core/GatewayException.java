package dev.caravan.core;

/**
 * A failure with everything the API needs to answer it: HTTP status, OpenAI error type and code, the offending
 * parameter, and whether another attempt (retry or fallback) may succeed.
 */
public class GatewayException extends RuntimeException {

    private static final String STREAM_INCOMPLETE = "stream_incomplete";

    /** The code of {@link #credentialsRefused} for a 401: the gateway's key itself was refused. */
    public static final String CREDENTIALS_REFUSED = "upstream_credentials_refused";
    /** The code of {@link #credentialsRefused} for a 403: the gateway's key may not do this (use this model). */
    public static final String ACCESS_DENIED = "upstream_access_denied";
    /** The code of {@link #billingRefused}: the gateway's account is out of credit or over its spend limit. */
    public static final String BILLING_REFUSED = "upstream_billing_refused";

    private final int status;
    private final String type;
    private final String code;
    private final String param;
    private final boolean retryable;
    private final long retryAfterMillis;

    public GatewayException(int status, String type, String code, String param, String message, boolean retryable,
                            long retryAfterMillis) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryable = retryable;
        this.retryAfterMillis = retryAfterMillis;
    }

    public static GatewayException invalidRequest(String param, String message) {
        return new GatewayException(400, "invalid_request_error", "invalid_value", param, message, false, 0);
    }

    public static GatewayException notFound(String code, String message) {
        return new GatewayException(404, "invalid_request_error", code, null, message, false, 0);
    }

    /** The upstream could not be reached or failed on its side: the caller sees 502, the chain may go on. */
    public static GatewayException upstreamUnavailable(String provider, String message) {
        return new GatewayException(502, "upstream_error", "upstream_unavailable", null,
                provider + ": " + message, true, 0);
    }

    /**
     * The provider's stream ended (its connection closed cleanly) without the provider saying its answer was over
     * ({@code [DONE]}, {@code message_stop}, {@code messageStop}): what the caller got is only part of an answer.
     */
    public static GatewayException streamCutShort(String provider) {
        return new GatewayException(502, "upstream_error", STREAM_INCOMPLETE, null,
                provider + ": the stream ended before the provider finished its answer", true, 0);
    }

    /**
     * The upstream refused the gateway's own credentials: the operator's configuration is at fault, not the caller.
     * The chain may go on to another account or provider, but the answer carries none of the upstream's words (they
     * may quote part of the key): {@code upstream} names the provider or account. A 401 refuses the key itself
     * ({@link #CREDENTIALS_REFUSED}); a 403 refuses it this request, usually this model ({@link #ACCESS_DENIED}: the
     * provider is well, so its breaker does not count it).
     */
    public static GatewayException credentialsRefused(String upstream, int status) {
        if (status == 403) {
            return new GatewayException(502, "upstream_error", ACCESS_DENIED, null, upstream
                    + ": the provider refused the gateway access (HTTP 403); the gateway's key may not use this "
                    + "model, or its access needs fixing", true, 0);
        }
        return keyRefused(upstream, status);
    }

    /** The upstream refused the gateway's key itself (a 401, or Bedrock's 403 for unrecognised credentials). */
    public static GatewayException keyRefused(String upstream, int status) {
        return new GatewayException(502, "upstream_error", CREDENTIALS_REFUSED, null, upstream
                + ": the provider refused the gateway's credentials (HTTP " + status
                + "); the gateway's configured key needs fixing", true, 0);
    }

    /**
     * The upstream refused the gateway's account for its billing (no credit left, a spend limit reached): the
     * operator's account is at fault, not the caller's request, and it stays refused until the operator acts. The chain
     * may go on to another account or provider; the answer names the provider or account ({@code upstream}), not its
     * billing details.
     */
    public static GatewayException billingRefused(String upstream) {
        return new GatewayException(502, "upstream_error", BILLING_REFUSED, null, upstream
                + ": the provider refused the gateway's account for its billing (credit balance or spend limit); the "
                + "gateway's account needs fixing", true, 0);
    }

    /** Whether this is {@link #credentialsRefused} or {@link #billingRefused}: the same target would refuse again. */
    public boolean refusesTheGateway() {
        return CREDENTIALS_REFUSED.equals(code) || ACCESS_DENIED.equals(code) || BILLING_REFUSED.equals(code);
    }

    /**
     * Whether the failure says the provider is unwell, for its circuit breaker: not a caller's error (not retryable),
     * and not an answer about one model (a 403 on a model the gateway may not use, a 404 for a model the provider does
     * not have), which other requests to the same provider would not meet.
     */
    public boolean providerUnwell() {
        return retryable && status != 404 && !ACCESS_DENIED.equals(code);
    }

    public static GatewayException timeout(String provider, String message) {
        return new GatewayException(504, "upstream_error", "upstream_timeout", null, provider + ": " + message, true, 0);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }

    public boolean retryable() {
        return retryable;
    }

    /**
     * What the answer tells the caller's SDK in {@code x-should-retry} (the OpenAI and Anthropic SDKs obey it over
     * their own rule, which retries every 429 and 5xx): false when the provider refused the gateway itself (its key,
     * its access, its account's billing), which the same request cannot change until the operator acts; null leaves it
     * to the SDK.
     */
    public Boolean shouldRetry() {
        return refusesTheGateway() ? Boolean.FALSE : null;
    }

    public long retryAfterMillis() {
        return retryAfterMillis;
    }

    /** Whether this is {@link #streamCutShort}: the caller got part of an answer, not an error instead of one. */
    public boolean cutShort() {
        return STREAM_INCOMPLETE.equals(code);
    }
}
