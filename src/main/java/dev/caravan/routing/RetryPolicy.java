package dev.caravan.routing;

import dev.caravan.core.GatewayException;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongUnaryOperator;

/**
 * When a failed attempt is tried again on the same target, and after how long: exponential backoff with full
 * jitter ({@code random(0, min(maxBackoff, baseBackoff * 2^retry))}), or the upstream's Retry-After when it asked
 * for one, as long as that stays within {@code retryAfterCap}. Only retryable failures are retried (429, 408, 5xx
 * and 529 answers, connection failures, timeouts); a caller's own error (400, 401, 403, 404, context length) never
 * reaches here, and an open circuit, an upstream that refused the gateway's credentials (the same key would be
 * refused again), or one that does not have the model (Bedrock's 404, which lets the chain go on) moves on to the
 * next target at once.
 *
 * @param maxRetries      retries on one target after its first attempt (0: never retry, go down the chain)
 * @param baseBackoffMs   backoff ceiling of the first retry
 * @param maxBackoffMs    backoff ceiling of any retry
 * @param retryAfterCapMs longest Retry-After honoured; an upstream asking for more is left for the next target
 */
public record RetryPolicy(int maxRetries, long baseBackoffMs, long maxBackoffMs, long retryAfterCapMs) {

    /** No retry: the next target is tried at once. */
    public static final long NO_RETRY = -1;

    public RetryPolicy {
        if (maxRetries < 0 || baseBackoffMs < 0 || maxBackoffMs < 0 || retryAfterCapMs < 0) {
            throw new IllegalArgumentException("retry settings cannot be negative");
        }
    }

    /**
     * The delay before retrying after {@code error}, the {@code retriesSoFar}-th failure on this target having just
     * happened, with {@code remainingMs} left before the request's deadline; {@link #NO_RETRY} when the next target
     * should be tried instead.
     */
    public long delayBeforeRetry(int retriesSoFar, GatewayException error, long remainingMs) {
        return delayBeforeRetry(retriesSoFar, error, remainingMs,
                bound -> bound <= 0 ? 0 : ThreadLocalRandom.current().nextLong(bound + 1));
    }

    /** As above, {@code jitter} picking a number in {@code [0, bound]}. */
    long delayBeforeRetry(int retriesSoFar, GatewayException error, long remainingMs, LongUnaryOperator jitter) {
        if (error == null || !error.retryable() || retriesSoFar >= maxRetries || isCircuitOpen(error)
                || error.refusesTheGateway() || error.status() == 404) {
            return NO_RETRY;
        }
        long delay = jitter.applyAsLong(backoffCeiling(retriesSoFar));
        long retryAfter = error.retryAfterMillis();
        if (retryAfter > 0) {
            if (retryAfter > retryAfterCapMs) {
                return NO_RETRY;
            }
            delay = Math.max(delay, retryAfter);
        }
        return delay < remainingMs ? delay : NO_RETRY;
    }

    /** The backoff ceiling before retry number {@code retriesSoFar + 1}: base * 2^retriesSoFar, at most max. */
    long backoffCeiling(int retriesSoFar) {
        if (baseBackoffMs == 0) {
            return 0;
        }
        int shift = Math.min(retriesSoFar, 30);
        long ceiling = baseBackoffMs << shift;
        return ceiling < 0 || ceiling > maxBackoffMs ? maxBackoffMs : ceiling;
    }

    static boolean isCircuitOpen(GatewayException error) {
        return "circuit_open".equals(error.code());
    }
}
