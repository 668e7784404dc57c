package dev.caravan.resilience;

import dev.caravan.support.Gateway;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The request's total time limit: no attempt starts after it, the caller gets a 504, never a hung connection. */
class DeadlineTest {

    static final long IDLE = 500;
    static final long LIMIT = 1_300;

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
                "caravan.openai.idle-timeout-ms", Long.toString(IDLE),
                "caravan.openai.retry.max-retries", "10",
                "caravan.openai.retry.base-backoff-ms", "5",
                "caravan.openai.breaker.minimum-calls", "100000",
                "caravan.request.timeout-ms", Long.toString(LIMIT),
                "caravan.catalog.file", Calls.catalog(dir, "  gpt-4o-mini: [mock-echo]\n", "").toString()));
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

    @Test
    void aHungUpstreamBecomesA504WithinTheLimitPlusOneIdleTimeout() throws Exception {
        for (boolean stream : new boolean[] {false, true}) {
            upstream.reset();
            upstream.always(FaultyUpstream.hang());
            long start = System.nanoTime();

            HttpResponse<String> response = chat(gateway, "openai/gpt-4o", stream);

            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(504, response.statusCode(), response.body());
            assertEquals("request_timeout", Calls.error(response).path("code").asText(), response.body());
            assertTrue(millis >= LIMIT, "answered after " + millis + " ms");
            assertTrue(millis < LIMIT + IDLE + 3_000, "answered after " + millis + " ms");
            if (stream) {
                // Attempts at about 0, 0.5 and 1.0 s (fewer when the machine is slow); none after 1.3 s.
                assertTrue(attempts(response) >= 2 && attempts(response) <= 3, "attempts: " + attempts(response));
            } else {
                // A single answer is not held to the idle timeout (it sends nothing until it is whole): its call
                // timeout (10 minutes by default) is cut to what is left of the request's limit.
                assertEquals(1, attempts(response), "one attempt, not one per idle timeout");
            }
            assertEquals(attempts(response), upstream.calls());
        }
    }

    @Test
    void retriesNeverStartTheFallbackAfterTheLimit() throws Exception {
        upstream.always(FaultyUpstream.hang());
        long start = System.nanoTime();

        HttpResponse<String> response = chat(gateway, "gpt-4o-mini", false);

        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(504, response.statusCode());
        assertTrue(millis < LIMIT + IDLE + 3_000, "answered after " + millis + " ms");
    }

    @Test
    void aBackoffThatWouldEndAfterTheLimitGoesToTheFallbackInstead() throws Exception {
        // Retry-After of 1.5 s is within the cap (10 s by default) but not within the time left: no retry.
        upstream.always(FaultyUpstream.rateLimited("retry-after-ms: 1500"));
        long start = System.nanoTime();

        HttpResponse<String> response = chat(gateway, "gpt-4o-mini", false);

        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("mock", provider(response));
        assertEquals(2, attempts(response));
        assertEquals(1, upstream.calls());
        assertTrue(millis < LIMIT, "answered after " + millis + " ms");
    }
}
