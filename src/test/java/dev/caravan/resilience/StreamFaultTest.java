package dev.caravan.resilience;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.ledger.CostRecord;
import dev.caravan.ledger.Ledger;
import dev.caravan.support.Eventually;
import dev.caravan.support.FakeOpenAi;
import dev.caravan.support.Gateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.caravan.resilience.Calls.JSON;
import static dev.caravan.resilience.Calls.attempts;
import static dev.caravan.resilience.Calls.chat;
import static dev.caravan.resilience.Calls.dataEvents;
import static dev.caravan.resilience.Calls.provider;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Streams that fail: before the first byte went to the client they are retried or fall back like any attempt;
 * after it, the stream ends with an error event in the API's shape and nothing is retried.
 */
class StreamFaultTest {

    static final List<String> WORDS = List.of("one", " two", " three", " four", " five");
    /** role chunk, five words, finish chunk, usage chunk, [DONE]. */
    static final List<String> CHUNKS = FakeOpenAi.streamChunks(WORDS, 4);

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
                "caravan.openai.idle-timeout-ms", "700",
                "caravan.openai.retry.max-retries", "2",
                "caravan.openai.retry.base-backoff-ms", "10",
                "caravan.openai.breaker.minimum-calls", "100000",
                "caravan.openai.breaker.window", "100000",
                "caravan.catalog.file", Calls.catalog(dir, "  gpt-4o-mini: [mock-echo]\n", "").toString()));
        Calls.warmUp(gateway, upstream);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    private static CostRecord record(HttpResponse<String> response) throws Exception {
        String id = response.headers().firstValue("x-request-id").orElseThrow();
        Ledger ledger = gateway.context().getRegistry().lookupByNameAndType("ledger", Ledger.class);
        return Eventually.until(() -> ledger.store().find(id), 5_000, "the cost record of " + id);
    }

    @BeforeEach
    void reset() {
        upstream.reset();
    }

    @Test
    void aStreamCutAfterThreeEventsEndsWithAnOpenAiErrorEvent() throws Exception {
        upstream.always(FaultyUpstream.stream(CHUNKS, 3, false, 0));

        HttpResponse<String> response = chat(gateway, "gpt-4o-mini", true);

        assertEquals(200, response.statusCode());
        assertEquals("openai", provider(response), "no fallback once the answer began");
        assertEquals(1, attempts(response));
        assertEquals(1, upstream.calls(), "no retry once the answer began");
        List<String> events = dataEvents(response.body());
        assertFalse(events.contains("[DONE]"), response.body());
        JsonNode last = JSON.readTree(events.get(events.size() - 1));
        assertEquals("upstream_error", last.path("error").path("type").asText(), response.body());
        assertTrue(last.path("error").path("message").asText().contains("openai"));
        StringBuilder text = new StringBuilder();
        for (String event : events.subList(0, events.size() - 1)) {
            text.append(JSON.readTree(event).path("choices").path(0).path("delta").path("content").asText(""));
        }
        assertEquals("one two", text.toString(), "what was streamed before the cut reached the client");
    }

    @Test
    void aStreamCutAfterThreeEventsEndsWithASimpleErrorEventOnAiChat() throws Exception {
        upstream.always(FaultyUpstream.stream(CHUNKS, 3, false, 0));

        HttpResponse<String> response = Calls.chat(gateway, "simple", "gpt-4o-mini", true);

        assertEquals(200, response.statusCode());
        assertEquals(1, upstream.calls());
        List<String> events = dataEvents(response.body());
        JsonNode last = JSON.readTree(events.get(events.size() - 1));
        assertEquals("error", last.path("type").asText(), response.body());
        assertTrue(last.path("error").asText().contains("openai"));
        assertEquals("one", JSON.readTree(events.get(0)).path("content").asText());
        assertEquals(" two", JSON.readTree(events.get(1)).path("content").asText());
        for (String event : events) {
            assertFalse(event.contains("\"complete\""), response.body());
        }
    }

    @Test
    void aStreamThatEndsCleanlyWithoutDoneAfterItBeganEndsWithAnErrorEventAndIsRecordedAsPartial() throws Exception {
        upstream.always(FaultyUpstream.stream(CHUNKS.subList(0, 3))); // role chunk, "one", " two"; no finish, no [DONE]

        HttpResponse<String> response = chat(gateway, "gpt-4o-mini", true);

        assertEquals(200, response.statusCode());
        assertEquals(1, upstream.calls(), "no retry once the answer began");
        List<String> events = dataEvents(response.body());
        assertFalse(events.contains("[DONE]"), "a cut answer is not shown as complete: " + response.body());
        JsonNode last = JSON.readTree(events.get(events.size() - 1));
        assertEquals("upstream_error", last.path("error").path("type").asText(), response.body());
        assertEquals("stream_incomplete", last.path("error").path("code").asText(), response.body());
        assertEquals("one two", Calls.text(response), "what came before the end reached the client");
        assertEquals(CostRecord.Status.PARTIAL, record(response).status());
    }

    @Test
    void aStreamThatEndsCleanlyWithoutDoneEndsWithASimpleErrorEventOnAiChat() throws Exception {
        upstream.always(FaultyUpstream.stream(CHUNKS.subList(0, 3)));

        HttpResponse<String> response = Calls.chat(gateway, "simple", "gpt-4o-mini", true);

        assertEquals(200, response.statusCode());
        List<String> events = dataEvents(response.body());
        assertEquals(List.of("one", " two"), List.of(JSON.readTree(events.get(0)).path("content").asText(),
                JSON.readTree(events.get(1)).path("content").asText()));
        JsonNode last = JSON.readTree(events.get(events.size() - 1));
        assertEquals("error", last.path("type").asText(), response.body());
        for (String event : events) {
            assertFalse(event.contains("\"complete\""), response.body());
        }
        assertEquals(CostRecord.Status.PARTIAL, record(response).status());
    }

    @Test
    void aStreamThatStallsAfterItBeganEndsWithAnErrorEventWithinTheIdleTimeout() throws Exception {
        upstream.always(FaultyUpstream.stream(CHUNKS, 3, true, 0));
        long start = System.nanoTime();

        HttpResponse<String> response = chat(gateway, "gpt-4o-mini", true);

        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, response.statusCode());
        List<String> events = dataEvents(response.body());
        JsonNode last = JSON.readTree(events.get(events.size() - 1));
        assertEquals("upstream_timeout", last.path("error").path("code").asText(), response.body());
        assertEquals(1, upstream.calls());
        assertTrue(millis < 8_000, "the stalled stream ended after " + millis + " ms");
    }

    @Test
    void aStreamCutBeforeAnyTextIsRetriedAndTheClientSeesOnlyTheGoodStream() throws Exception {
        upstream.then(FaultyUpstream.stream(CHUNKS, 1, false, 0)).always(FaultyUpstream.stream(CHUNKS));

        HttpResponse<String> response = chat(gateway, "gpt-4o-mini", true);

        assertEquals(200, response.statusCode());
        assertEquals("openai", provider(response));
        assertEquals(2, attempts(response));
        assertEquals("one two three four five", Calls.text(response));
        assertEquals("[DONE]", dataEvents(response.body()).get(dataEvents(response.body()).size() - 1));
    }

    @Test
    void aStreamThatStallsBeforeAnyTextFallsBack() throws Exception {
        upstream.always(FaultyUpstream.stream(CHUNKS, 1, true, 0));
        long start = System.nanoTime();

        HttpResponse<String> response = chat(gateway, "gpt-4o-mini", true);

        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, response.statusCode());
        assertEquals("mock", provider(response));
        assertEquals(4, attempts(response));
        assertEquals(3, upstream.calls());
        assertEquals("echo me", Calls.text(response));
        assertTrue(millis < 9_000, "took " + millis + " ms");
    }
}
