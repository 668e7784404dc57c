package dev.caravan.resilience;

import dev.caravan.core.GatewayException;
import dev.caravan.routing.ResilienceSettings;
import dev.caravan.routing.RetryPolicy;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The retry policy alone: which failures are retried, how long it waits, and its settings. */
class RetryPolicyTest {

    static final RetryPolicy POLICY = new RetryPolicy(3, 100, 1_000, 5_000);
    static final GatewayException SERVER = GatewayException.upstreamUnavailable("openai", "HTTP 500");

    static GatewayException rateLimited(long retryAfterMs) {
        return new GatewayException(429, "rate_limit_error", "rate_limited", null, "slow down", true, retryAfterMs);
    }

    @Test
    void backoffIsExponentialWithFullJitterUnderTheCap() {
        for (int retry = 0; retry < 3; retry++) {
            long ceiling = Math.min(1_000, 100L << retry);
            long max = 0;
            for (int i = 0; i < 2_000; i++) {
                long delay = POLICY.delayBeforeRetry(retry, SERVER, Long.MAX_VALUE);
                assertTrue(delay >= 0 && delay <= ceiling, "retry " + retry + ": " + delay);
                max = Math.max(max, delay);
            }
            assertTrue(max > ceiling * 0.9, "full jitter reaches near the ceiling: " + max);
        }
        RetryPolicy many = new RetryPolicy(100, 100, 1_000, 5_000);
        for (int i = 0; i < 100; i++) {
            assertTrue(many.delayBeforeRetry(60, SERVER, Long.MAX_VALUE) <= 1_000);
        }
    }

    @Test
    void stopsAfterMaxRetries() {
        assertEquals(RetryPolicy.NO_RETRY, POLICY.delayBeforeRetry(3, SERVER, Long.MAX_VALUE));
        assertEquals(RetryPolicy.NO_RETRY, new RetryPolicy(0, 100, 1_000, 5_000)
                .delayBeforeRetry(0, SERVER, Long.MAX_VALUE));
    }

    @Test
    void neverRetriesTheCallersOwnErrorsOrAnOpenCircuit() {
        for (int status : new int[] {400, 401, 403, 404}) {
            GatewayException error = new GatewayException(status, "invalid_request_error", "x", null, "no", false, 0);
            assertEquals(RetryPolicy.NO_RETRY, POLICY.delayBeforeRetry(0, error, Long.MAX_VALUE));
        }
        GatewayException context = new GatewayException(400, "invalid_request_error", "context_length_exceeded",
                "messages", "too long", false, 0);
        assertEquals(RetryPolicy.NO_RETRY, POLICY.delayBeforeRetry(0, context, Long.MAX_VALUE));
        GatewayException open = new GatewayException(503, "upstream_error", "circuit_open", null, "open", true, 0);
        assertEquals(RetryPolicy.NO_RETRY, POLICY.delayBeforeRetry(0, open, Long.MAX_VALUE));
    }

    @Test
    void neverRetriesAKeyTheProviderRefusedOnTheSameTargetWhichWouldRefuseItAgain() {
        GatewayException refused = GatewayException.credentialsRefused("openai", 401);

        assertTrue(refused.retryable(), "the chain may go on to another account or provider");
        assertEquals(RetryPolicy.NO_RETRY, POLICY.delayBeforeRetry(0, refused, Long.MAX_VALUE));
    }

    @Test
    void neverRetriesAModelTheProviderDoesNotHaveOnTheSameTarget() {
        // Bedrock's ResourceNotFoundException: the chain may go on to a fallback, but this target has no such model.
        GatewayException missing = new GatewayException(404, "invalid_request_error", "model_not_found", "model",
                "Model not found.", true, 0);

        assertEquals(RetryPolicy.NO_RETRY, POLICY.delayBeforeRetry(0, missing, Long.MAX_VALUE));
    }

    @Test
    void retriesTimeoutsAndConnectionFailures() {
        assertTrue(POLICY.delayBeforeRetry(0, GatewayException.timeout("openai", "slow"), Long.MAX_VALUE) >= 0);
        assertTrue(POLICY.delayBeforeRetry(0, GatewayException.upstreamUnavailable("openai", "reset"),
                Long.MAX_VALUE) >= 0);
    }

    @Test
    void honoursRetryAfterUpToItsCap() {
        long delay = POLICY.delayBeforeRetry(0, rateLimited(2_000), Long.MAX_VALUE);
        assertTrue(delay >= 2_000 && delay <= 2_000 + 100, "waits what the upstream asked: " + delay);
        assertEquals(5_000, POLICY.delayBeforeRetry(0, rateLimited(5_000), Long.MAX_VALUE));
        assertEquals(RetryPolicy.NO_RETRY, POLICY.delayBeforeRetry(0, rateLimited(5_001), Long.MAX_VALUE));
    }

    @Test
    void neverWaitsPastTheDeadline() {
        assertEquals(RetryPolicy.NO_RETRY, POLICY.delayBeforeRetry(0, rateLimited(2_000), 1_999));
        assertEquals(RetryPolicy.NO_RETRY, POLICY.delayBeforeRetry(0, SERVER, 0));
        assertTrue(POLICY.delayBeforeRetry(0, SERVER, 101) >= 0);
    }

    @Test
    void settingsComeFromTheProperties() {
        Map<String, String> properties = new HashMap<>(Map.of(
                "caravan.request.timeout-ms", "9000",
                "caravan.openai.retry.max-retries", "5",
                "caravan.openai.retry.base-backoff-ms", "50",
                "caravan.anthropic.retry.retry-after-cap-ms", "1234",
                "caravan.deployments.failure-cooldown-ms", "0"));
        ResilienceSettings settings = ResilienceSettings.load(properties::get);
        assertEquals(9_000, settings.requestTimeoutMs());
        assertEquals(new RetryPolicy(5, 50, 4_000, 10_000), settings.retry("openai"));
        assertEquals(new RetryPolicy(2, 250, 4_000, 1_234), settings.retry("anthropic"));
        assertEquals(ResilienceSettings.DEFAULT_RETRY, settings.retry("bedrock"));
        assertEquals(0, settings.deploymentCooldownMs());

        properties.put("caravan.openai.retry.max-retries", "two");
        assertThrows(IllegalArgumentException.class, () -> ResilienceSettings.load(properties::get));
        properties.put("caravan.openai.retry.max-retries", "-1");
        assertThrows(IllegalArgumentException.class, () -> ResilienceSettings.load(properties::get));
        properties.put("caravan.openai.retry.max-retries", "1");
        properties.put("caravan.request.timeout-ms", "0");
        assertThrows(IllegalArgumentException.class, () -> ResilienceSettings.load(properties::get));
    }
}
