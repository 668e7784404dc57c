package dev.caravan.resilience;

import dev.caravan.routing.FallbackChain;
import dev.caravan.support.Gateway;
import dev.caravan.routing.Breakers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import static dev.caravan.resilience.Calls.attempts;
import static dev.caravan.resilience.Calls.chat;
import static dev.caravan.resilience.Calls.provider;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OpenAI's circuit breaker with the settings of application.properties: it opens after failures (the upstream stops
 * receiving calls and requests go down the chain), half-opens after its wait, and closes after successful trials.
 */
class CircuitBreakerTest {

    @TempDir
    static Path dir;
    static FaultyUpstream upstream;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = new FaultyUpstream();
        gateway = Gateway.start(Map.of(
                "caravan.openai.base-url", upstream.baseUrl(),
                "caravan.openai.api-key", "sk-test",
                "caravan.openai.retry.max-retries", "0",
                "caravan.openai.breaker.failure-rate-percent", "50",
                "caravan.openai.breaker.window", "4",
                "caravan.openai.breaker.minimum-calls", "4",
                "caravan.openai.breaker.open-seconds", "1",
                "caravan.openai.breaker.half-open-calls", "2",
                "caravan.catalog.file", Calls.catalog(dir, "  gpt-4o-mini: [mock-echo]\n", "").toString()));
        Calls.warmUp(gateway, upstream);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    @BeforeEach
    void closeTheBreaker() {
        gateway.context().getRegistry().lookupByNameAndType("breakers", Breakers.class).breaker("openai", "openai").transitionToClosedState();
        upstream.reset();
    }

    private static String state() {
        return gateway.context().getRegistry().lookupByNameAndType("breakers", Breakers.class).breaker("openai", "openai").getState().name();
    }

    @Test
    void opensStopsCallingTheProviderHalfOpensAndCloses() throws Exception {
        upstream.always(FaultyUpstream.error(503));
        // Four failures out of a window of four: the breaker opens. Each request is served by the fallback.
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> response = chat(gateway, "gpt-4o-mini", i % 2 == 1);
            assertEquals(200, response.statusCode(), response.body());
            assertEquals("mock", provider(response));
        }
        assertEquals(4, upstream.calls());
        assertEquals("OPEN", state());
        assertTrue(FallbackChain.breakerOpen(gateway.context(), "openai"));

        // Open: nothing reaches the upstream; requests fall back at once, or get a clean 503 with no fallback.
        upstream.reset();
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> response = chat(gateway, "gpt-4o-mini", i % 2 == 1);
            assertEquals(200, response.statusCode(), response.body());
            assertEquals("mock", provider(response));
            assertEquals(2, attempts(response));
        }
        HttpResponse<String> refused = chat(gateway, "openai/gpt-4o", false);
        assertEquals(503, refused.statusCode());
        assertEquals("circuit_open", Calls.error(refused).path("code").asText());
        HttpResponse<String> refusedStream = chat(gateway, "openai/gpt-4o", true);
        assertEquals(503, refusedStream.statusCode());
        assertEquals(0, upstream.calls(), "no request reached the provider while its breaker was open");

        // After the wait in the open state: half-open lets trial calls through; two successes close it.
        Thread.sleep(1_300);
        HttpResponse<String> trial = chat(gateway, "gpt-4o-mini", false);
        assertEquals("openai", provider(trial));
        assertEquals(1, upstream.calls());
        assertEquals("HALF_OPEN", state());
        assertFalse(FallbackChain.breakerOpen(gateway.context(), "openai"));
        HttpResponse<String> second = chat(gateway, "gpt-4o-mini", false);
        assertEquals("openai", provider(second));
        assertEquals("CLOSED", state());
        for (int i = 0; i < 3; i++) {
            assertEquals("openai", provider(chat(gateway, "gpt-4o-mini", false)));
        }
        assertEquals(5, upstream.calls());
    }

    @Test
    void aFailedTrialOpensTheBreakerAgain() throws Exception {
        gateway.context().getRegistry().lookupByNameAndType("breakers", Breakers.class).breaker("openai", "openai").transitionToOpenState();
        Thread.sleep(1_300);
        upstream.reset();
        upstream.always(FaultyUpstream.error(500));

        for (int i = 0; i < 2; i++) {
            assertEquals("mock", provider(chat(gateway, "gpt-4o-mini", false)));
        }
        assertEquals(2, upstream.calls(), "the two trial calls of the half-open state");
        assertEquals("OPEN", state());
        assertEquals("mock", provider(chat(gateway, "gpt-4o-mini", false)));
        assertEquals(2, upstream.calls());
    }

    @Test
    void theCallersOwnErrorsDoNotOpenTheBreaker() throws Exception {
        upstream.always(FaultyUpstream.status(400, "{\"error\":{\"message\":\"bad\",\"type\":"
                + "\"invalid_request_error\",\"param\":null,\"code\":null}}"));
        for (int i = 0; i < 8; i++) {
            assertEquals(400, chat(gateway, "gpt-4o-mini", false).statusCode());
        }
        assertEquals(8, upstream.calls());
        assertEquals("CLOSED", state());
    }
}
