package dev.caravan.resilience;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.routing.Breakers;
import dev.caravan.support.FakeOpenAi;
import dev.caravan.support.Gateway;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import static dev.caravan.resilience.Calls.attempts;
import static dev.caravan.resilience.Calls.chat;
import static dev.caravan.resilience.Calls.provider;
import static dev.caravan.resilience.Calls.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each upstream fault, streaming and not: retried on the same target (2 retries here), then the fallback chain,
 * else a clean error in OpenAI's shape. Asserts the client's outcome, the attempts header and the upstream's calls.
 * The breaker is set not to open here (CircuitBreakerTest covers it).
 */
class FaultMatrixTest {

    static final List<String> WORDS = List.of("Hello", " from", " upstream.");
    /** OpenAI's answer to a wrong key quotes the key's start and end. */
    static final String REFUSED_KEY = "{\"error\":{\"message\":\"Incorrect API key provided: sk-proj-AbCd****wXyZ. "
            + "You can find your API key at https://platform.openai.com/account/api-keys.\",\"type\":"
            + "\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}";
    /** OpenAI's answer (a 429) to an account out of credit or over its spend limit. */
    static final String OUT_OF_QUOTA = "{\"error\":{\"message\":\"You exceeded your current quota, please check your "
            + "plan and billing details.\",\"type\":\"insufficient_quota\",\"param\":null,\"code\":"
            + "\"insufficient_quota\"}}";

    /** A fault, its stream variant, and what a caller gets when it persists and no fallback is left. */
    enum Kind {
        HTTP_500(s -> FaultyUpstream.error(500), 502, "upstream_500"),
        HTTP_502(s -> FaultyUpstream.error(502), 502, "upstream_502"),
        HTTP_503(s -> FaultyUpstream.error(503), 502, "upstream_503"),
        HTTP_504(s -> FaultyUpstream.error(504), 502, "upstream_504"),
        HTTP_429_RETRY_AFTER_MS(s -> FaultyUpstream.rateLimited("retry-after-ms: 150"), 429, "rate_limit_exceeded"),
        HANG(s -> FaultyUpstream.hang(), 504, "upstream_timeout"),
        CONNECTION_RESET(s -> FaultyUpstream.connectionReset(), 502, "upstream_unavailable"),
        MALFORMED_JSON(s -> s ? FaultyUpstream.stream(List.of("{\"id\":\"chatcmpl-broken\",\"choices\":[{"))
                : FaultyUpstream.malformed(), 502, "upstream_unavailable"),
        OVERSIZED_HEADER(s -> FaultyUpstream.oversizedHeader(), 502, "upstream_unavailable"),
        BROKEN_CHUNKING(s -> FaultyUpstream.brokenChunking(), 502, "upstream_unavailable"),
        STREAM_CUT_BEFORE_ANY_TEXT(s -> s ? FaultyUpstream.stream(FakeOpenAi.streamChunks(WORDS, 4), 1, false, 0)
                : FaultyUpstream.connectionReset(), 502, "upstream_unavailable");

        final Function<Boolean, FaultyUpstream.Fault> fault;
        final int status;
        final String code;

        Kind(Function<Boolean, FaultyUpstream.Fault> fault, int status, String code) {
            this.fault = fault;
            this.status = status;
            this.code = code;
        }
    }

    @TempDir
    static Path dir;
    static FaultyUpstream upstream;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = new FaultyUpstream();
        Map<String, String> properties = new java.util.HashMap<>(Map.of(
                "caravan.openai.base-url", upstream.baseUrl(),
                "caravan.openai.api-key", "sk-test",
                "caravan.openai.idle-timeout-ms", "600",
                "caravan.openai.retry.max-retries", "2",
                "caravan.openai.retry.base-backoff-ms", "10",
                "caravan.openai.retry.max-backoff-ms", "40",
                "caravan.openai.retry.retry-after-cap-ms", "2000",
                "caravan.openai.breaker.minimum-calls", "100000",
                "caravan.openai.breaker.window", "100000",
                "caravan.catalog.file", Calls.catalog(dir, "  gpt-4o-mini: [mock-echo]\n", "").toString()));
        properties.put("caravan.openai.call-timeout-ms", "600"); // a hung single answer, like a stream, after 600 ms
        gateway = Gateway.start(properties);
        Calls.warmUp(gateway, upstream);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    @BeforeEach
    void reset() {
        upstream.reset();
    }

    static Stream<Arguments> faults() {
        List<Arguments> out = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            out.add(Arguments.of(kind, false));
            out.add(Arguments.of(kind, true));
        }
        return out.stream();
    }

    private static FaultyUpstream.Fault healthy(boolean stream) {
        return stream ? FaultyUpstream.stream(FakeOpenAi.streamChunks(WORDS, 4)) : FaultyUpstream.ok("Hello from upstream.");
    }

    @ParameterizedTest(name = "{0}, stream={1}")
    @MethodSource("faults")
    void aFaultThatPassesIsRetriedOnTheSameTarget(Kind kind, boolean stream) throws Exception {
        upstream.then(kind.fault.apply(stream)).always(healthy(stream));

        HttpResponse<String> response = chat(gateway, "openai/gpt-4o", stream);

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("openai", provider(response));
        assertEquals("Hello from upstream.", text(response));
        assertEquals(2, attempts(response));
        assertEquals(2, upstream.calls());
    }

    @ParameterizedTest(name = "{0}, stream={1}")
    @MethodSource("faults")
    void aFaultThatPersistsFallsBackAfterTheRetries(Kind kind, boolean stream) throws Exception {
        upstream.always(kind.fault.apply(stream));

        HttpResponse<String> response = chat(gateway, "gpt-4o-mini", stream);

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("mock", provider(response));
        assertEquals("echo me", text(response));
        assertEquals(4, attempts(response), "3 attempts on openai, then the fallback");
        assertEquals(3, upstream.calls());
    }

    @ParameterizedTest(name = "{0}, stream={1}")
    @MethodSource("faults")
    void aFaultThatPersistsWithNoFallbackIsACleanError(Kind kind, boolean stream) throws Exception {
        upstream.always(kind.fault.apply(stream));
        long start = System.nanoTime();

        HttpResponse<String> response = chat(gateway, "openai/gpt-4o", stream);

        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(kind.status, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        JsonNode error = Calls.error(response);
        assertEquals(kind.code, error.path("code").asText(), response.body());
        assertEquals(3, attempts(response));
        assertEquals(3, upstream.calls());
        assertTrue(millis < 10_000, "bounded: " + millis + " ms");
    }

    @ParameterizedTest(name = "HTTP {0} ({1}) is the caller's: not retried, no fallback")
    @CsvSource({"400, invalid_request_error", "404, model_not_found", "400, context_length_exceeded"})
    void theCallersOwnErrorsAreNeitherRetriedNorSentElsewhere(int status, String code) throws Exception {
        for (boolean stream : new boolean[] {false, true}) {
            upstream.reset();
            upstream.always(FaultyUpstream.status(status, "{\"error\":{\"message\":\"no\",\"type\":"
                    + "\"invalid_request_error\",\"param\":null,\"code\":\"" + code + "\"}}"));

            HttpResponse<String> response = chat(gateway, "gpt-4o-mini", stream);

            assertEquals(status, response.statusCode(), response.body());
            assertEquals(code, Calls.error(response).path("code").asText());
            assertEquals(1, attempts(response));
            assertEquals(1, upstream.calls());
        }
    }

    @ParameterizedTest(name = "HTTP {0}, stream={1}")
    @CsvSource({"401, false", "401, true", "403, false", "403, true", "429, false", "429, true"})
    void anUpstreamThatRefusesTheGatewaysKeyOrAccountFallsBackAtOnce(int status, boolean stream) throws Exception {
        upstream.always(FaultyUpstream.status(status, status == 429 ? OUT_OF_QUOTA : REFUSED_KEY));

        HttpResponse<String> response = chat(gateway, "gpt-4o-mini", stream);

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("mock", provider(response));
        assertEquals(2, attempts(response));
        assertEquals(1, upstream.calls(), "not retried: the same key would be refused again");
    }

    @ParameterizedTest(name = "HTTP {0}, stream={1}")
    @CsvSource({"401, false", "401, true"})
    void anUpstreamThatRefusesTheGatewaysKeyWithNoFallbackIsA502CountedByTheBreakerWithoutTheProvidersWords(
            int status, boolean stream) throws Exception {
        JsonNode error = refusedWithNoFallback(status, stream, 1);

        assertEquals("upstream_credentials_refused", error.path("code").asText());
        assertEquals("openai: the provider refused the gateway's credentials (HTTP 401); the gateway's configured key "
                + "needs fixing", error.path("message").asText());
    }

    /** A 403 is about this request (usually a model the key may not use): other requests to OpenAI are not refused. */
    @ParameterizedTest(name = "stream={0}")
    @ValueSource(booleans = {false, true})
    void anUpstreamThatDeniesTheGatewayAModelWithNoFallbackIsA502NotCountedByTheBreaker(boolean stream)
            throws Exception {
        JsonNode error = refusedWithNoFallback(403, stream, 0);

        assertEquals("upstream_access_denied", error.path("code").asText());
        assertEquals("openai: the provider refused the gateway access (HTTP 403); the gateway's key may not use this "
                + "model, or its access needs fixing", error.path("message").asText());
    }

    /**
     * OpenAI's 429 insufficient_quota is no rate limit: the gateway's account is out of credit or over its spend
     * limit, and stays so until the operator acts. Like a refused key, it goes down the chain at once; with no fallback
     * the caller gets a 502 saying so, not a 429 its SDK would retry.
     */
    @ParameterizedTest(name = "stream={0}")
    @ValueSource(booleans = {false, true})
    void anOpenAiAccountOutOfQuotaWithNoFallbackIsA502ThatSaysSo(boolean stream) throws Exception {
        JsonNode error = refusedWithNoFallback(429, OUT_OF_QUOTA, stream, 1);

        assertEquals("upstream_billing_refused", error.path("code").asText());
        assertTrue(error.path("message").asText().startsWith("openai: the provider refused the gateway's account for "
                + "its billing"), error.path("message").asText());
    }

    private JsonNode refusedWithNoFallback(int status, boolean stream, int countedFailures) throws Exception {
        return refusedWithNoFallback(status, REFUSED_KEY, stream, countedFailures);
    }

    private JsonNode refusedWithNoFallback(int status, String body, boolean stream, int countedFailures)
            throws Exception {
        upstream.always(FaultyUpstream.status(status, body));
        CircuitBreaker breaker = gateway.context().getRegistry().lookupByNameAndType("breakers", Breakers.class)
                .breaker("openai");
        long failedBefore = breaker.getMetrics().getNumberOfFailedCalls();

        HttpResponse<String> response = chat(gateway, "openai/gpt-4o", stream);

        assertEquals(502, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        JsonNode error = Calls.error(response);
        assertEquals("upstream_error", error.path("type").asText());
        assertFalse(response.body().contains("AbCd"), response.body());
        assertEquals(1, attempts(response));
        assertEquals(1, upstream.calls(), "not retried: the same key would be refused again");
        assertEquals("false", response.headers().firstValue("x-should-retry").orElse(null),
                "the caller's SDK is told not to retry what only the operator can fix");
        assertEquals(failedBefore + countedFailures, breaker.getMetrics().getNumberOfFailedCalls());
        return error;
    }

    @Test
    void honoursRetryAfterInSeconds() throws Exception {
        upstream.then(FaultyUpstream.rateLimited("retry-after: 1")).always(healthy(false));
        long start = System.nanoTime();

        HttpResponse<String> response = chat(gateway, "openai/gpt-4o", false);

        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, response.statusCode());
        assertEquals(2, attempts(response));
        assertTrue(millis >= 1_000, "waited only " + millis + " ms");
    }

    @Test
    void aRetryAfterBeyondTheCapGoesDownTheChainAtOnce() throws Exception {
        upstream.always(FaultyUpstream.rateLimited("retry-after: 30"));
        long start = System.nanoTime();

        HttpResponse<String> response = chat(gateway, "gpt-4o-mini", false);

        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, response.statusCode());
        assertEquals("mock", provider(response));
        assertEquals(2, attempts(response));
        assertEquals(1, upstream.calls());
        assertTrue(millis < 3_000, "took " + millis + " ms");
    }

    /** A 503 says with Retry-After how long the service will be unavailable: beyond the cap, the chain goes on. */
    @Test
    void aServiceUnavailableWithARetryAfterBeyondTheCapGoesDownTheChainAtOnce() throws Exception {
        upstream.always(FaultyUpstream.status(503, "{\"error\":{\"message\":\"down for maintenance\"}}",
                "retry-after: 30"));

        HttpResponse<String> response = chat(gateway, "gpt-4o-mini", false);

        assertEquals(200, response.statusCode());
        assertEquals("mock", provider(response));
        assertEquals(2, attempts(response));
        assertEquals(1, upstream.calls());
    }

    @Test
    void aRetryAfterBeyondTheCapWithNoFallbackReturnsThe429WithItsRetryAfter() throws Exception {
        upstream.always(FaultyUpstream.rateLimited("retry-after: 30"));

        HttpResponse<String> response = chat(gateway, "openai/gpt-4o", false);

        assertEquals(429, response.statusCode());
        assertEquals(1, upstream.calls());
        assertEquals("30", response.headers().firstValue("retry-after").orElseThrow());
    }
}
