package dev.caravan.ops;

import dev.caravan.support.Eventually;
import dev.caravan.support.FakeOpenAi;
import dev.caravan.support.Gateway;
import dev.caravan.support.StreamCapture;
import org.apache.camel.component.micrometer.eventnotifier.MicrometerRouteEventNotifier;
import org.apache.camel.spi.EventNotifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Known traffic through the real gateway, then the Prometheus scrape on the management port checked to the
 * number: requests, tokens, cost, latency and time-to-first-token counts, fallbacks, spool depth, breaker state.
 * Also the health paths, and that the API and the management endpoints never answer on each other's port.
 */
class MetricsTest {

    private static final double CENT_OF_A_MICRO = 1e-12;

    @TempDir
    static Path dir;
    static Gateway gateway;
    static Scrape scrape;

    /** One of each kind of request; the scrape is taken once everything was recorded. */
    @BeforeAll
    static void trafficThenScrape() throws Exception {
        Path catalog = dir.resolve("catalog.yaml");
        Files.writeString(catalog, """
                fallbacks:
                  mock-unavailable: [mock-echo]
                models:
                  mock/mock-echo:   {input: 1.00, output: 2.00}
                  mock/mock-stream: {input: 3.00, output: 5.00}
                  mock/mock-unavailable: {input: 1.00, output: 2.00}
                """);
        gateway = Gateway.start(Map.of("caravan.catalog.file", catalog.toString(),
                "caravan.mock.token-delay-ms", "5"));

        // 3 prompt + 3 completion tokens on mock-echo: 3 * 1 + 3 * 2 = 9 micro-dollars.
        assertEquals(200, chat("mock-echo", "one two three", false).statusCode());
        // 2 prompt + 20 completion tokens on mock-stream: 2 * 3 + 20 * 5 = 106 micro-dollars.
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions",
                "{\"model\":\"mock-stream\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"a b\"}]}");
        assertEquals(200, stream.status());
        assertEquals("[DONE]", stream.data().get(stream.data().size() - 1));
        // mock-unavailable fails, its chain hands it to mock-echo: 2 + 2 tokens, 2 * 1 + 2 * 2 = 6 micro-dollars.
        HttpResponse<String> fallback = chat("mock-unavailable", "x y", false);
        assertEquals(200, fallback.statusCode(), fallback.body());
        // The simple API: 4 + 4 tokens on mock-echo, 4 + 8 = 12 micro-dollars.
        HttpResponse<String> simple = gateway.post("/ai/chat",
                "{\"model\":\"mock-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"four words right here\"}]}");
        assertEquals(200, simple.statusCode(), simple.body());
        // Invalid: no messages. Answered 400, never reaches a provider.
        assertEquals(400, gateway.post("/v1/chat/completions", "{\"model\":\"mock-echo\"}").statusCode());

        // The cost route is wire-tapped: wait until all five requests were observed, and until the observation of
        // the last one has ended (it counts the request first, then times it): two scrapes in a row agree on the
        // gateway's own series.
        long deadline = System.currentTimeMillis() + 10_000;
        String previous = null;
        do {
            String body = management("/observe/metrics").body();
            scrape = new Scrape(body);
            String gateways = body.lines().filter(line -> line.startsWith("caravan_")).collect(Collectors.joining("\n"));
            if (scrape.sum("caravan_requests_total") >= 5 && gateways.equals(previous)) {
                break;
            }
            previous = gateways;
            Thread.sleep(100);
        } while (System.currentTimeMillis() < deadline);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void countsRequestsByApiProviderModelStatusAndStream() {
        assertEquals(5.0, scrape.sum("caravan_requests_total"), scrape.text());
        assertEquals(2.0, scrape.exact("caravan_requests_total", "api", "openai", "provider", "mock",
                "model", "mock-echo", "status", "ok", "stream", "false"), "mock-echo, once direct and once by fallback");
        assertEquals(1.0, scrape.exact("caravan_requests_total", "api", "openai", "provider", "mock",
                "model", "mock-stream", "status", "ok", "stream", "true"));
        assertEquals(1.0, scrape.exact("caravan_requests_total", "api", "simple", "provider", "mock",
                "model", "mock-echo", "status", "ok", "stream", "false"));
        assertEquals(1.0, scrape.exact("caravan_requests_total", "api", "openai", "provider", "none",
                "model", "none", "status", "error", "stream", "false"), "the invalid request");
    }

    @Test
    void countsTokensAndCostExactly() {
        assertEquals(3.0 + 2 + 4, scrape.exact("caravan_tokens_total", "provider", "mock", "model", "mock-echo",
                "kind", "prompt"));
        assertEquals(3.0 + 2 + 4, scrape.exact("caravan_tokens_total", "provider", "mock", "model", "mock-echo",
                "kind", "completion"));
        assertEquals(2.0, scrape.exact("caravan_tokens_total", "provider", "mock", "model", "mock-stream",
                "kind", "prompt"));
        assertEquals(20.0, scrape.exact("caravan_tokens_total", "provider", "mock", "model", "mock-stream",
                "kind", "completion"));
        assertEquals(0.0, scrape.sum("caravan_tokens_total", "kind", "cache_read"), "no cache reads, no series");

        assertEquals((9 + 6 + 12) * 1e-6, scrape.exact("caravan_cost_usd_total", "provider", "mock",
                "model", "mock-echo"), CENT_OF_A_MICRO);
        assertEquals(106 * 1e-6, scrape.exact("caravan_cost_usd_total", "provider", "mock",
                "model", "mock-stream"), CENT_OF_A_MICRO);
        assertEquals((9 + 6 + 12 + 106) * 1e-6, scrape.sum("caravan_cost_usd_total"), CENT_OF_A_MICRO,
                "nothing else was charged");
    }

    @Test
    void timesEveryRequestAndTheFirstTokenOfStreams() {
        assertEquals(3.0, scrape.exact("caravan_request_duration_seconds_count", "provider", "mock",
                "status", "ok", "stream", "false"));
        assertEquals(1.0, scrape.exact("caravan_request_duration_seconds_count", "provider", "mock",
                "status", "ok", "stream", "true"));
        assertEquals(1.0, scrape.exact("caravan_request_duration_seconds_count", "provider", "none",
                "status", "error", "stream", "false"));
        assertEquals(5.0, scrape.sum("caravan_request_duration_seconds_count"));
        assertEquals(5.0, scrape.sum("caravan_request_duration_seconds_bucket", "le", "+Inf"), "a histogram");
        Double streamSeconds = scrape.exact("caravan_request_duration_seconds_sum", "provider", "mock",
                "status", "ok", "stream", "true");
        assertTrue(streamSeconds >= 20 * 0.005 * 0.9, "20 tokens 5 ms apart take at least ~0.1 s: " + streamSeconds);

        assertEquals(1.0, scrape.exact("caravan_time_to_first_token_seconds_count", "provider", "mock"),
                "only the stream has a first token");
        assertEquals(1.0, scrape.sum("caravan_time_to_first_token_seconds_count"));
        assertTrue(scrape.exact("caravan_time_to_first_token_seconds_sum", "provider", "mock") < streamSeconds,
                "the first token came before the end");
    }

    @Test
    void countsAttemptsBeyondTheFirst() {
        assertEquals(1.0, scrape.exact("caravan_fallback_attempts_total", "served_by", "mock"));
        assertEquals(1.0, scrape.sum("caravan_fallback_attempts_total"));
    }

    @Test
    void reportsSpoolDepthAndBreakerStatePerProvider() {
        assertEquals(0.0, scrape.exact("caravan_ledger_spool_depth"));
        // the JVM's whole count (other tests in this JVM stall their outputs on purpose)
        assertEquals((double) QueuedOutput.droppedTotal(), scrape.exact("caravan_log_records_dropped_total"));
        for (String provider : List.of("openai", "anthropic", "bedrock", "mock")) {
            assertEquals(0.0, scrape.exact("caravan_circuit_breaker_state", "provider", provider),
                    provider + " closed");
        }
    }

    /**
     * Camel's route counts are still reported, and no notifier asks for exchange events, so Camel builds none for
     * each exchange and step of a request (ContextEvents). The gateway's own start and stop hooks are not event
     * notifiers at all: Camel walks every notifier for each step that goes on asynchronously, wanted or not.
     */
    @Test
    void countsRoutesWithoutEventsPerExchange() {
        assertTrue(scrape.text().contains("camel_routes_running_routes"), scrape.text());
        assertTrue(scrape.sum("camel_routes_running_routes") > 5, scrape.text());
        assertFalse(gateway.context().getCamelContextExtension().isEventNotificationApplicable());
        List<EventNotifier> notifiers = gateway.context().getManagementStrategy().getStartedEventNotifiers();
        assertEquals(1, notifiers.size(), notifiers.toString());
        assertTrue(notifiers.get(0) instanceof MicrometerRouteEventNotifier, notifiers.toString());
    }

    @Test
    void healthAnswersOnTheManagementPort() throws Exception {
        HttpResponse<String> health = management("/observe/health");
        assertEquals(200, health.statusCode(), health.body());
        assertTrue(health.body().contains("UP"), health.body());
        HttpResponse<String> live = management("/observe/health/live");
        assertEquals(200, live.statusCode(), live.body());
        assertTrue(live.body().contains("UP"), live.body());
        HttpResponse<String> ready = management("/observe/health/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        assertTrue(ready.body().startsWith("{\"status\":\"UP\""), ready.body());
        // Readiness means something: the ledger and every route are checked.
        assertTrue(ready.body().contains("{\"name\":\"ledger\",\"status\":\"UP\"}"), ready.body());
        assertTrue(ready.body().contains("{\"name\":\"route:chat-completions\",\"status\":\"UP\"}"), ready.body());
        assertFalse(live.body().contains("ledger"), "a store outage must not get the pod restarted: " + live.body());
    }

    @Test
    void apiAndManagementNeverShareAPort() throws Exception {
        assertNotEquals(gateway.port(), gateway.managementPort());
        // The management port serves no API ...
        HttpResponse<String> chatThere = gateway.http().send(HttpRequest.newBuilder(
                        URI.create(gateway.managementUrl() + "/v1/chat/completions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"mock-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, chatThere.statusCode(), chatThere.body());
        assertEquals(404, management("/v1/models").statusCode());
        // ... and the API port no health or metrics.
        for (String path : List.of("/observe/metrics", "/observe/health", "/observe/health/ready")) {
            HttpResponse<String> there = gateway.get(path);
            assertEquals(404, there.statusCode(), path + ": " + there.body());
            assertFalse(there.body().contains("caravan_requests_total"), path);
        }
        assertEquals(200, gateway.get("/v1/models").statusCode(), "the API is on its own port");
    }

    @Test
    void anOpenBreakerShowsInTheGauge() throws Exception {
        // Its own gateway: a mock breaker that opens after two failed calls out of two.
        try (Gateway strict = Gateway.start(Map.of("caravan.mock.breaker.minimum-calls", "2",
                "caravan.mock.breaker.window", "2", "caravan.mock.breaker.open-seconds", "60"))) {
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> failed = strict.post("/v1/chat/completions",
                        "{\"model\":\"mock-unavailable\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
                assertEquals(503, failed.statusCode(), failed.body());
            }
            HttpResponse<String> refused = strict.post("/v1/chat/completions",
                    "{\"model\":\"mock-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertEquals(503, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("circuit_open"), refused.body());

            Scrape open = new Scrape(get(strict.managementUrl() + "/observe/metrics").body());
            assertEquals(1.0, open.exact("caravan_circuit_breaker_state", "provider", "mock"), "1 is open");
            assertEquals(0.0, open.exact("caravan_circuit_breaker_state", "provider", "openai"));
        }
    }

    /**
     * A caller names any model it likes, and a prefix rule sends an unknown one to its provider (here without budgets,
     * which would refuse an unpriced model first): such names must not become tag values, or every made-up name would
     * add series to the registry for good. A model the catalog prices keeps its name, failed or not, and so does one a
     * provider answered as.
     */
    @Test
    void modelsNeitherPricedNorAnsweredShareOneTagValue() throws Exception {
        Path catalog = Files.writeString(dir.resolve("catalog-priced.yaml"), """
                models:
                  openai/gpt-4o-mini: {input: 0.15, output: 0.60}
                """);
        Path noBudgets = Files.writeString(dir.resolve("no-budgets.yaml"), "{}\n");
        String notFound = "{\"error\":{\"message\":\"The model does not exist\",\"type\":\"invalid_request_error\","
                + "\"param\":null,\"code\":\"model_not_found\"}}";
        try (FakeOpenAi openAi = new FakeOpenAi().always(FakeOpenAi.json(404, notFound));
             Gateway gateway = Gateway.start(Map.of("caravan.catalog.file", catalog.toString(),
                     "caravan.ledger.budgets-file", noBudgets.toString(),
                     "caravan.openai.base-url", openAi.baseUrl(), "caravan.openai.api-key", "sk-test"))) {
            for (String madeUp : List.of("gpt-made-up-1", "gpt-made-up-2", "gpt-made-up-3", "gpt-4o-mini")) {
                HttpResponse<String> refused = gateway.post("/v1/chat/completions", "{\"model\":\"" + madeUp
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
                assertEquals(404, refused.statusCode(), refused.body());
            }
            openAi.then(FakeOpenAi.json(200, FakeOpenAi.chatCompletion("Hi.", 3, 2)));
            HttpResponse<String> answered = gateway.post("/v1/chat/completions",
                    "{\"model\":\"gpt-new-unpriced\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertEquals(200, answered.statusCode(), answered.body());

            Scrape scraped = Eventually.until(() -> {
                Scrape now = new Scrape(get(gateway.managementUrl() + "/observe/metrics").body());
                return now.sum("caravan_requests_total") >= 5 ? Optional.of(now) : Optional.empty();
            }, 10_000, "five requests observed");
            assertEquals(3.0, scraped.exact("caravan_requests_total", "api", "openai", "provider", "openai",
                    "model", "unlisted", "status", "error", "stream", "false"), scraped.text());
            assertEquals(1.0, scraped.exact("caravan_requests_total", "api", "openai", "provider", "openai",
                    "model", "gpt-4o-mini", "status", "error", "stream", "false"), "priced: " + scraped.text());
            assertEquals(1.0, scraped.exact("caravan_requests_total", "api", "openai", "provider", "openai",
                    "model", "gpt-new-unpriced", "status", "ok", "stream", "false"), "answered: " + scraped.text());
            assertFalse(scraped.text().contains("gpt-made-up"), scraped.text());
        }
    }

    private static HttpResponse<String> chat(String model, String text, boolean stream) throws Exception {
        return gateway.post("/v1/chat/completions", "{\"model\":\"" + model + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}");
    }

    private static HttpResponse<String> management(String path) throws Exception {
        return get(gateway.managementUrl() + path);
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return gateway.http().send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
