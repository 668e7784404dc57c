package dev.caravan.routing;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The resilience settings of {@code application.properties} ("Resilience" section): the request's total deadline,
 * each provider's retry policy, and how long a failed deployment is passed over by the load balancer.
 * The circuit breakers' settings are read by {@link Breakers}.
 */
public record ResilienceSettings(long requestTimeoutMs, Map<String, RetryPolicy> retries, long deploymentCooldownMs) {

    public static final long DEFAULT_REQUEST_TIMEOUT_MS = 300_000;
    public static final RetryPolicy DEFAULT_RETRY = new RetryPolicy(2, 250, 4_000, 10_000);
    public static final long DEFAULT_COOLDOWN_MS = 5_000;

    public static ResilienceSettings defaults() {
        return new ResilienceSettings(DEFAULT_REQUEST_TIMEOUT_MS, Map.of(), DEFAULT_COOLDOWN_MS);
    }

    /** Reads the settings; {@code property} answers a key's value or null when it is not set. */
    public static ResilienceSettings load(Function<String, String> property) {
        Map<String, RetryPolicy> retries = new HashMap<>();
        for (String provider : ModelRouter.PROVIDERS) {
            String prefix = "caravan." + provider + ".retry.";
            retries.put(provider, new RetryPolicy(
                    (int) number(property, prefix + "max-retries", DEFAULT_RETRY.maxRetries()),
                    number(property, prefix + "base-backoff-ms", DEFAULT_RETRY.baseBackoffMs()),
                    number(property, prefix + "max-backoff-ms", DEFAULT_RETRY.maxBackoffMs()),
                    number(property, prefix + "retry-after-cap-ms", DEFAULT_RETRY.retryAfterCapMs())));
        }
        long timeout = number(property, "caravan.request.timeout-ms", DEFAULT_REQUEST_TIMEOUT_MS);
        if (timeout <= 0) {
            throw new IllegalArgumentException("caravan.request.timeout-ms must be positive, was " + timeout);
        }
        return new ResilienceSettings(timeout, Map.copyOf(retries),
                number(property, "caravan.deployments.failure-cooldown-ms", DEFAULT_COOLDOWN_MS));
    }

    public RetryPolicy retry(String provider) {
        return retries.getOrDefault(provider, DEFAULT_RETRY);
    }

    private static long number(Function<String, String> property, String key, long fallback) {
        String value = property.apply(key);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            long parsed = Long.parseLong(value.trim());
            if (parsed < 0) {
                throw new IllegalArgumentException(key + " cannot be negative, was " + value);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, was '" + value + "'");
        }
    }
}
