package dev.caravan.auth;

import dev.caravan.api.Json;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-key requests and tokens per minute: 429 with Retry-After and the x-ratelimit-* headers. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RateLimitTest {

    private AuthGateway gateway;

    @BeforeAll
    void start() throws Exception {
        gateway = AuthGateway.withKeys(Map.of());
    }

    @AfterAll
    void stop() throws Exception {
        gateway.close();
    }

    @Test
    void answers429WithRetryAfterOnceTheKeysRequestsPerMinuteAreUsed() throws Exception {
        String secret = gateway.createKey("{\"userId\":\"a\",\"application\":\"b\",\"rateLimit\":{\"requestsPerMinute\":2}}")
                .get("secret").asText();

        HttpResponse<String> first = gateway.chat("mock-echo", "Authorization", "Bearer " + secret);
        HttpResponse<String> second = gateway.chat("mock-echo", "Authorization", "Bearer " + secret);
        HttpResponse<String> third = gateway.chat("mock-echo", "Authorization", "Bearer " + secret);

        assertEquals(200, first.statusCode());
        assertEquals("2", first.headers().firstValue("x-ratelimit-limit-requests").orElseThrow());
        assertEquals("1", first.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
        assertEquals(200, second.statusCode());
        assertEquals("0", second.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
        assertEquals(429, third.statusCode(), third.body());
        assertEquals("rate_limit_exceeded", Json.MAPPER.readTree(third.body()).get("error").get("code").asText());
        long retryAfter = Long.parseLong(third.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(retryAfter >= 1 && retryAfter <= 30, "Retry-After " + retryAfter);
        assertEquals("2", third.headers().firstValue("x-ratelimit-limit-requests").orElseThrow());
        assertEquals("0", third.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
        assertTrue(third.headers().firstValue("x-ratelimit-reset-requests").orElseThrow().endsWith("s"));
    }

    @Test
    void answers429OnceTheKeysTokensPerMinuteAreUsedByMockEchosTwoTokens() throws Exception {
        String secret = gateway.createKey("{\"userId\":\"a\",\"application\":\"b\",\"rateLimit\":{\"tokensPerMinute\":2}}")
                .get("secret").asText();

        HttpResponse<String> first = gateway.chat("mock-echo", "x-api-key", secret);
        HttpResponse<String> second = gateway.chat("mock-echo", "x-api-key", secret);

        assertEquals(200, first.statusCode());
        assertEquals("2", first.headers().firstValue("x-ratelimit-limit-tokens").orElseThrow());
        assertEquals(429, second.statusCode(), second.body());
        assertEquals("tokens", Json.MAPPER.readTree(second.body()).get("error").get("type").asText());
        assertTrue(second.headers().firstValue("Retry-After").isPresent());
    }

    @Test
    void keysWithoutLimitsAreNotLimited() throws Exception {
        String secret = gateway.createKey("{\"userId\":\"a\",\"application\":\"b\"}").get("secret").asText();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> answer = gateway.chat("mock-echo", "x-api-key", secret);
            assertEquals(200, answer.statusCode());
            assertTrue(answer.headers().firstValue("x-ratelimit-limit-requests").isEmpty());
        }
    }

    @Test
    void theRequestBucketRefillsOverTheMinute() {
        AtomicLong now = new AtomicLong();
        RateLimiter limiter = new RateLimiter(now::get);
        Identity caller = new Identity(Identity.Kind.API_KEY, "key_1", null, "u", "a", List.of(), null,
                new RateLimit(60, 0));
        CamelContext context = new DefaultCamelContext();

        for (int i = 0; i < 60; i++) {
            limiter.admit(exchange(context, caller));
        }
        AuthFailure over = assertThrows(AuthFailure.class, () -> limiter.admit(exchange(context, caller)));
        assertEquals(1000, over.retryAfterMillis());
        now.addAndGet(1_000_000_000L);
        limiter.admit(exchange(context, caller));
        assertThrows(AuthFailure.class, () -> limiter.admit(exchange(context, caller)));
    }

    @Test
    void tokensUsedBeyondTheLimitHoldBackTheNextRequestsLonger() {
        AtomicLong now = new AtomicLong();
        RateLimiter limiter = new RateLimiter(now::get);
        Identity caller = new Identity(Identity.Kind.API_KEY, "key_2", null, "u", "a", List.of(), null,
                new RateLimit(0, 600));
        CamelContext context = new DefaultCamelContext();

        limiter.admit(exchange(context, caller));
        limiter.recordTokens(caller, 1200);
        AuthFailure over = assertThrows(AuthFailure.class, () -> limiter.admit(exchange(context, caller)));
        assertEquals(60_100, over.retryAfterMillis());
        now.addAndGet(61_000_000_000L);
        limiter.admit(exchange(context, caller));
    }

    /**
     * Every rate-limited caller (an identity provider's subject, each of them) got buckets that were never dropped: a
     * gateway trusting an issuer with open sign-up grew without bound. Buckets that have refilled are dropped, since
     * they hold nothing a new full bucket would not; a caller still held back keeps its state.
     */
    @Test
    void forgetsCallersWhoseBucketsHaveRefilledSoManySubjectsDoNotGrowMemoryForever() {
        AtomicLong now = new AtomicLong();
        RateLimiter limiter = new RateLimiter(now::get);
        CamelContext context = new DefaultCamelContext();
        Identity heldBack = new Identity(Identity.Kind.JWT, null, "busy", "busy", "a", List.of(), null,
                new RateLimit(1, 0));
        limiter.admit(exchange(context, heldBack));

        for (int i = 0; i < 200_000; i++) {
            if (i % 10_000 == 0) {
                now.addAndGet(1_000_000_000L);
            }
            limiter.admit(exchange(context, new Identity(Identity.Kind.JWT, null, "sub-" + i, "u", "a", List.of(), null,
                    new RateLimit(1_000_000, 0))));
        }

        assertTrue(limiter.trackedCallers() <= 50_000, limiter.trackedCallers() + " callers tracked");
        assertThrows(AuthFailure.class, () -> limiter.admit(exchange(context, heldBack)), "still held back");
    }

    @Test
    void writesResetDurationsAsOpenAiDoes() {
        assertEquals("250ms", RateLimiter.duration(250_000_000L));
        assertEquals("1.5s", RateLimiter.duration(1_500_000_000L));
        assertEquals("60s", RateLimiter.duration(60_000_000_000L));
    }

    private static Exchange exchange(CamelContext context, Identity identity) {
        Exchange exchange = new DefaultExchange(context);
        exchange.setProperty(Identity.PROPERTY, identity);
        return exchange;
    }
}
