package dev.caravan.core;

/**
 * A failure with everything the API needs to answer it: HTTP status, OpenAI error type and code, the offending
 * parameter, and whether another attempt (retry or fallback) may succeed.
 */
public class GatewayException extends RuntimeException {

    private static final String STREAM_INCOMPLETE = "stream_incomplete";

    /** The code of {@link #credentialsRefused}. */
    public static final String CREDENTIALS_REFUSED = "upstream_credentials_refused";

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
     * The upstream refused the gateway's own credentials (its 401 or 403): the operator's configuration is at fault,
     * not the caller. A provider failure, so the chain may go on to another account or provider, but none of the
     * upstream's words (they may quote part of the key): {@code upstream} names the provider or account.
     */
    public static GatewayException credentialsRefused(String upstream, int status) {
        return new GatewayException(502, "upstream_error", CREDENTIALS_REFUSED, null, upstream
                + ": the provider refused the gateway's credentials (HTTP " + status
                + "); the gateway's configured key, or its access to this model, needs fixing", true, 0);
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

    public long retryAfterMillis() {
        return retryAfterMillis;
    }

    /** Whether this is {@link #streamCutShort}: the caller got part of an answer, not an error instead of one. */
    public boolean cutShort() {
        return STREAM_INCOMPLETE.equals(code);
    }
}
