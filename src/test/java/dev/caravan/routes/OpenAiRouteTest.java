package dev.caravan.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.support.FakeOpenAi;
import dev.caravan.support.Gateway;
import dev.caravan.support.LoopbackCaller;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OpenAI route end to end: real gateway, fake OpenAI upstream on 127.0.0.1, real sockets. */
class OpenAiRouteTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String UPSTREAM_KEY = "sk-test-upstream-key-4242";

    @TempDir
    static Path dir;
    static FakeOpenAi openAi;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        openAi = new FakeOpenAi();
        Path catalog = dir.resolve("catalog.yaml");
        Files.writeString(catalog, Files.readString(Path.of("config/catalog.yaml"))
                .replace("fallbacks:\n", "fallbacks:\n  gpt-4o-mini: [mock-echo]\n"));
        gateway = Gateway.start(Map.of("caravan.openai.base-url", openAi.baseUrl(),
                "caravan.openai.api-key", UPSTREAM_KEY, "caravan.catalog.file", catalog.toString(),
                // One attempt per target here; retries on the same target are tested in dev.caravan.resilience.
                "caravan.openai.retry.max-retries", "0"));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        openAi.close();
    }

    @BeforeEach
    void reset() {
        openAi.received().clear();
        openAi.always(FakeOpenAi.json(200, FakeOpenAi.chatCompletion("Hello from the fake.", 12, 5)));
    }

    @Test
    void forwardsTheRequestWithItsUnknownFieldsAndAnswersInOpenAisShape() throws Exception {
        HttpResponse<String> response = gateway.http().send(HttpRequest.newBuilder(
                        URI.create(gateway.baseUrl() + "/v1/chat/completions"))
                .header("content-type", "application/json").header("authorization", "Bearer caller-secret-1")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"seed\":7,"
                        + "\"response_format\":{\"type\":\"json_object\"},\"logit_bias\":{\"50256\":-100},"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals("chat.completion", body.path("object").asText());
        assertEquals("Hello from the fake.", body.path("choices").path(0).path("message").path("content").asText());
        assertEquals(17, body.path("usage").path("total_tokens").asInt());
        assertEquals("openai", response.headers().firstValue("x-caravan-provider").orElseThrow());
        assertEquals("gpt-4o-mini", response.headers().firstValue("x-caravan-model").orElseThrow());
        assertEquals("0.0000048", response.headers().firstValue("x-caravan-cost").orElseThrow());
        assertEquals("1", response.headers().firstValue("x-caravan-attempts").orElseThrow());
        assertTrue(response.headers().firstValue("x-request-id").isPresent());

        FakeOpenAi.Received sent = openAi.received().get(0);
        assertEquals("/v1/chat/completions", sent.path());
        assertEquals("Bearer " + UPSTREAM_KEY, sent.header("authorization"));
        JsonNode upstream = JSON.readTree(sent.body());
        assertEquals(7, upstream.path("seed").asInt());
        assertEquals("json_object", upstream.path("response_format").path("type").asText());
        assertEquals(-100, upstream.path("logit_bias").path("50256").asInt());
        assertFalse(sent.headers().toString().contains("caller-secret-1"), "the caller's credentials stay here");
        assertFalse(response.body().contains(UPSTREAM_KEY));
        assertFalse(response.headers().map().toString().contains(UPSTREAM_KEY));
    }

    @Test
    void keepsTheRequestIdTheCallerSent() throws Exception {
        HttpResponse<String> response = gateway.http().send(HttpRequest.newBuilder(
                        URI.create(gateway.baseUrl() + "/v1/chat/completions"))
                .header("content-type", "application/json").header("x-request-id", "trace-123")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\","
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("trace-123", response.headers().firstValue("x-request-id").orElseThrow());
    }

    @Test
    void streamsEachEventToTheClientAsItArrives() throws Exception {
        List<String> words = List.of("one", " two", " three", " four", " five", " six", " seven", " eight");
        openAi.then(FakeOpenAi.sse(250, FakeOpenAi.streamChunks(words, 9)));
        long start = System.nanoTime();
        HttpResponse<InputStream> response = gateway.http().send(HttpRequest.newBuilder(
                        URI.create(gateway.baseUrl() + "/v1/chat/completions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Count\"}]}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("content-type").orElseThrow().startsWith("text/event-stream"));

        List<String> events = new ArrayList<>();
        long firstContentMillis = -1;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    events.add(line.substring(6));
                    if (firstContentMillis < 0 && line.contains("\"content\"")) {
                        firstContentMillis = (System.nanoTime() - start) / 1_000_000;
                    }
                }
            }
        }
        long totalMillis = (System.nanoTime() - start) / 1_000_000;
        // The upstream sends its 12 events 250 ms apart: the last leaves after about 3 s.
        assertTrue(totalMillis >= 2_800, "the stream lasted " + totalMillis + " ms");
        assertTrue(firstContentMillis < 1_200, "first event reached the client after " + firstContentMillis + " ms");

        assertEquals("[DONE]", events.get(events.size() - 1));
        StringBuilder text = new StringBuilder();
        for (String event : events.subList(0, events.size() - 1)) {
            JsonNode chunk = JSON.readTree(event);
            assertEquals("chat.completion.chunk", chunk.path("object").asText());
            assertFalse(chunk.has("usage"), "no usage chunk unless the client asks for one");
            text.append(chunk.path("choices").path(0).path("delta").path("content").asText(""));
        }
        assertEquals(String.join("", words), text.toString());
        JsonNode upstream = JSON.readTree(openAi.received().get(0).body());
        assertTrue(upstream.path("stream_options").path("include_usage").asBoolean(),
                "the gateway always asks the upstream for stream usage");
    }

    @Test
    void sendsTheUsageChunkOnlyWhenTheClientAsks() throws Exception {
        openAi.then(FakeOpenAi.sse(0, FakeOpenAi.streamChunks(List.of("a", " b"), 4)));
        HttpResponse<String> response = gateway.post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\","
                + "\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        List<String> events = dataEvents(response.body());
        JsonNode usageChunk = JSON.readTree(events.get(events.size() - 2));
        assertEquals(0, usageChunk.path("choices").size());
        assertEquals(4, usageChunk.path("usage").path("prompt_tokens").asInt());
        assertEquals(2, usageChunk.path("usage").path("completion_tokens").asInt());
        assertEquals("[DONE]", events.get(events.size() - 1));
    }

    private static final String STRUCTURED = "{\"model\":\"gpt-4o-mini\",\"response_format\":{\"type\":\"json_schema\","
            + "\"json_schema\":{\"name\":\"plan\",\"schema\":{\"type\":\"object\"}}},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Plan a heist\"}]";
    private static final String SIMPLE = "{\"model\":\"gpt-4o-mini\","
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Plan a heist\"}]";

    @Test
    void passesOpenAisRefusalOnToTheCaller() throws Exception {
        openAi.always(FakeOpenAi.json(200, FakeOpenAi.refusal("I can't help with that.", 12, 6)));

        HttpResponse<String> response = gateway.post("/v1/chat/completions", STRUCTURED + "}");
        assertEquals(200, response.statusCode(), response.body());
        JsonNode message = JSON.readTree(response.body()).path("choices").path(0).path("message");
        assertTrue(message.path("content").isNull(), message.toString());
        assertEquals("I can't help with that.", message.path("refusal").asText());

        HttpResponse<String> simple = gateway.post("/ai/chat", SIMPLE + "}");
        assertEquals(200, simple.statusCode(), simple.body());
        assertEquals("I can't help with that.", JSON.readTree(simple.body()).path("refusal").asText());
    }

    @Test
    void streamsOpenAisRefusalPieceByPiece() throws Exception {
        List<String> pieces = List.of("I can't", " help with that.");
        openAi.then(FakeOpenAi.sse(0, FakeOpenAi.refusalChunks(pieces, 12)));
        HttpResponse<String> response = gateway.post("/v1/chat/completions", STRUCTURED + ",\"stream\":true}");

        assertEquals(200, response.statusCode(), response.body());
        StringBuilder refusal = new StringBuilder();
        for (String data : dataEvents(response.body())) {
            if (!"[DONE]".equals(data)) {
                refusal.append(JSON.readTree(data).path("choices").path(0).path("delta").path("refusal").asText(""));
            }
        }
        assertEquals("I can't help with that.", refusal.toString());

        openAi.then(FakeOpenAi.sse(0, FakeOpenAi.refusalChunks(pieces, 12)));
        HttpResponse<String> simple = gateway.post("/ai/chat", SIMPLE + ",\"stream\":true}");
        assertTrue(simple.body().contains("\"refusal\":\"I can't\""), simple.body());
        assertTrue(simple.body().contains("\"refusal\":\" help with that.\""), simple.body());
    }

    @Test
    void passesOpenAisLogprobsAndUrlCitationsOnToTheCaller() throws Exception {
        String logprobs = fixture("response-logprobs.json");
        String citations = fixture("response-url-citations.json");
        openAi.then(FakeOpenAi.json(200, logprobs)).then(FakeOpenAi.json(200, citations));

        HttpResponse<String> first = gateway.post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\","
                + "\"logprobs\":true,\"top_logprobs\":2,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        HttpResponse<String> second = gateway.post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\","
                + "\"web_search_options\":{},\"messages\":[{\"role\":\"user\",\"content\":\"Camel news?\"}]}");

        assertEquals(200, first.statusCode(), first.body());
        JsonNode sent = JSON.readTree(openAi.received().get(0).body());
        assertTrue(sent.path("logprobs").asBoolean() && sent.path("top_logprobs").asInt() == 2, sent.toString());
        assertEquals(JSON.readTree(logprobs).at("/choices/0/logprobs"),
                JSON.readTree(first.body()).at("/choices/0/logprobs"));
        assertEquals(200, second.statusCode(), second.body());
        assertEquals(JSON.readTree(citations).at("/choices/0/message/annotations"),
                JSON.readTree(second.body()).at("/choices/0/message/annotations"));
    }

    @Test
    void streamsOpenAisLogprobsWithEachChunk() throws Exception {
        String wire = fixture("stream-logprobs.sse");
        List<String> upstream = dataEvents(wire);
        openAi.then(FakeOpenAi.sse(0, upstream));

        HttpResponse<String> response = gateway.post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\","
                + "\"logprobs\":true,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

        assertEquals(200, response.statusCode(), response.body());
        List<JsonNode> texts = new ArrayList<>();
        for (String data : dataEvents(response.body())) {
            if (!"[DONE]".equals(data) && JSON.readTree(data).at("/choices/0/delta/content").isTextual()) {
                texts.add(JSON.readTree(data).at("/choices/0"));
            }
        }
        assertEquals(2, texts.size(), response.body());
        assertEquals(JSON.readTree(upstream.get(1)).at("/choices/0/logprobs"), texts.get(0).get("logprobs"));
        assertEquals(JSON.readTree(upstream.get(2)).at("/choices/0/logprobs"), texts.get(1).get("logprobs"));
        assertEquals("!", texts.get(1).at("/logprobs/content/0/token").asText());
    }

    @Test
    void streamsOpenAisAudioAndUrlCitationsAsOpenAiSentThemButNotToTheSimpleShape() throws Exception {
        List<String> audio = dataEvents(fixture("stream-audio.sse"));
        List<String> cited = dataEvents(fixture("stream-url-citations.sse"));
        openAi.then(FakeOpenAi.sse(0, audio)).then(FakeOpenAi.sse(0, cited)).then(FakeOpenAi.sse(0, cited));

        HttpResponse<String> spoken = gateway.post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                + "\"modalities\":[\"text\",\"audio\"],\"audio\":{\"voice\":\"alloy\",\"format\":\"pcm16\"},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Are golden retrievers good family dogs?\"}]}");
        HttpResponse<String> search = gateway.post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                + "\"web_search_options\":{},\"messages\":[{\"role\":\"user\",\"content\":\"Camel news?\"}]}");
        HttpResponse<String> simple = gateway.post("/ai/chat", "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Camel news?\"}]}");

        assertEquals(200, spoken.statusCode(), spoken.body());
        assertEquals(deltas(audio, "audio"), deltas(dataEvents(spoken.body()), "audio"), spoken.body());
        assertFalse(spoken.body().contains("\"content\":\"\""), "an audio answer has no text: " + spoken.body());
        assertEquals(200, search.statusCode(), search.body());
        assertEquals(deltas(cited, "annotations"), deltas(dataEvents(search.body()), "annotations"), search.body());
        assertEquals(1, deltas(cited, "annotations").size());
        assertEquals(200, simple.statusCode(), simple.body());
        assertTrue(simple.body().contains("Camel 4.17 was released"), simple.body());
        assertFalse(simple.body().contains("url_citation"), "the simple shape has no annotations: " + simple.body());
    }

    /** Each chunk's {@code choices[0].delta.<field>}, in order, for the chunks that have it. */
    private static List<JsonNode> deltas(List<String> chunks, String field) throws IOException {
        List<JsonNode> found = new ArrayList<>();
        for (String data : chunks) {
            JsonNode value = "[DONE]".equals(data) ? null : JSON.readTree(data).at("/choices/0/delta").get(field);
            if (value != null) {
                found.add(value);
            }
        }
        return found;
    }

    private static String fixture(String name) throws IOException {
        try (InputStream in = OpenAiRouteTest.class.getResourceAsStream("/fixtures/openai/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void keepsTheStatusAndMessageOfTheCallersOwnErrors() throws Exception {
        openAi.always(FakeOpenAi.json(400, "{\"error\":{\"message\":\"This model's maximum context length is 128000 "
                + "tokens.\",\"type\":\"invalid_request_error\",\"param\":\"messages\","
                + "\"code\":\"context_length_exceeded\"}}"));
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertEquals(400, response.statusCode());
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertEquals("context_length_exceeded", error.path("code").asText());
        assertEquals("messages", error.path("param").asText());
        assertTrue(error.path("message").asText().startsWith("This model's maximum context length"));
        assertEquals(1, openAi.received().size(), "a caller's error is neither retried nor sent elsewhere");
    }

    @Test
    void answers502WhenOpenAiFailsAndNoFallbackIsLeft() throws Exception {
        openAi.always(FakeOpenAi.json(500, "{\"error\":{\"message\":\"The server had an error\","
                + "\"type\":\"server_error\",\"param\":null,\"code\":null}}"));
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                "{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertEquals(502, response.statusCode());
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertEquals("upstream_error", error.path("type").asText());
        assertTrue(error.path("message").asText().contains("500"));
    }

    @Test
    void fallsBackToTheNextModelWhenTheStreamsFirstEventIsAnError() throws Exception {
        openAi.then(FakeOpenAi.sse(0, List.of("{\"error\":{\"message\":\"The server is overloaded\","
                + "\"type\":\"server_error\",\"code\":\"server_error\"}}")));
        HttpResponse<String> response = gateway.post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\","
                + "\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"fall back please\"}]}");
        assertEquals(200, response.statusCode());
        assertEquals("mock", response.headers().firstValue("x-caravan-provider").orElseThrow());
        assertEquals("2", response.headers().firstValue("x-caravan-attempts").orElseThrow());
        StringBuilder text = new StringBuilder();
        for (String event : dataEvents(response.body())) {
            if (!"[DONE]".equals(event)) {
                text.append(JSON.readTree(event).path("choices").path(0).path("delta").path("content").asText(""));
            }
        }
        assertEquals("fall back please", text.toString());
    }

    @Test
    void aClientThatGoesAwayStopsTheUpstreamStream() throws Exception {
        CountDownLatch upstreamStopped = new CountDownLatch(1);
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            many.add(" w" + i);
        }
        FakeOpenAi.Answer slow = FakeOpenAi.sse(100, FakeOpenAi.streamChunks(many, 3));
        openAi.then(exchange -> {
            try {
                slow.send(exchange);
            } catch (IOException e) {
                upstreamStopped.countDown();
                throw e;
            }
        });
        HttpResponse<InputStream> response = gateway.http().send(HttpRequest.newBuilder(
                        URI.create(gateway.baseUrl() + "/v1/chat/completions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        int seen = 0;
        while (seen < 3) {
            if (reader.readLine().startsWith("data: ")) {
                seen++;
            }
        }
        response.body().close();
        // The upstream would go on for 10 s; it must be cut off within moments of the client leaving.
        assertTrue(upstreamStopped.await(4, TimeUnit.SECONDS), "the upstream stream was not stopped");
    }

    @Test
    void answersInTheSimpleShapeWithCost() throws Exception {
        HttpResponse<String> response = gateway.post("/ai/chat",
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals("openai", body.path("provider").asText());
        assertEquals("gpt-4o-mini", body.path("model").asText());
        assertEquals("Hello from the fake.", body.path("content").asText());
        assertEquals(12, body.path("usage").path("promptTokens").asInt());
        assertEquals(5, body.path("usage").path("completionTokens").asInt());
        assertEquals(17, body.path("usage").path("totalTokens").asInt());
        assertEquals("0.0000048", body.path("cost").decimalValue().toPlainString());
        JsonNode upstream = JSON.readTree(openAi.received().get(0).body());
        assertEquals("user", upstream.path("messages").path(0).path("role").asText());
        assertNull(upstream.get("stream_options"));
    }

    @Test
    void oneModelIsTheSameObjectAsInTheListAlsoByItsProviderSlashModelName() throws Exception {
        JsonNode listed = null;
        for (JsonNode model : JSON.readTree(gateway.get("/v1/models").body()).path("data")) {
            listed = "gpt-4o".equals(model.path("id").asText()) ? model : listed;
        }

        HttpResponse<String> bare = gateway.get("/v1/models/gpt-4o");
        HttpResponse<String> slashed = gateway.get("/v1/models/openai/gpt-4o");
        HttpResponse<String> encoded = gateway.get("/v1/models/openai%2Fgpt-4o");

        assertEquals(200, bare.statusCode(), bare.body());
        assertEquals(listed, JSON.readTree(bare.body()));
        assertEquals("application/json", bare.headers().firstValue("content-type").orElseThrow());
        for (HttpResponse<String> response : List.of(slashed, encoded)) {
            assertEquals(200, response.statusCode(), response.body());
            JsonNode model = JSON.readTree(response.body());
            assertEquals("openai/gpt-4o", model.path("id").asText());
            assertEquals("model", model.path("object").asText());
            assertEquals("openai", model.path("owned_by").asText());
            assertEquals(listed.path("created"), model.path("created"));
        }
        assertEquals(0, openAi.received().size(), "OpenAI is not asked");
    }

    @Test
    void aModelTheGatewayDoesNotServeIs404ModelNotFoundInOpenAisShape() throws Exception {
        for (String path : List.of("/v1/models/llama-from-nowhere", "/v1/models/anthropic/claude-3-5-haiku-20241022",
                "/v1/models/openai/gpt-4o/extra")) {
            HttpResponse<String> response = gateway.get(path);

            assertEquals(404, response.statusCode(), path + ": " + response.body());
            JsonNode error = JSON.readTree(response.body()).path("error");
            assertEquals("invalid_request_error", error.path("type").asText(), path);
            assertEquals("model_not_found", error.path("code").asText(), path);
            assertEquals("model", error.path("param").asText(), path);
        }
        assertEquals("list", JSON.readTree(gateway.get("/v1/models").body()).path("object").asText());
        assertEquals("list", JSON.readTree(gateway.get("/v1/models/").body()).path("object").asText());
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "invalid JSON|{\"model\":|400|",
        "missing messages|{\"model\":\"gpt-4o-mini\"}|400|messages",
        "empty messages|{\"model\":\"gpt-4o-mini\",\"messages\":[]}|400|messages",
        "unknown role|{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}|400|messages[0].role",
        "max_tokens zero|{\"model\":\"gpt-4o-mini\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|400|max_tokens",
        "temperature out of range|{\"model\":\"gpt-4o-mini\",\"temperature\":3,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|400|temperature",
        "n above one|{\"model\":\"gpt-4o-mini\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|400|n",
        "model of the wrong type|{\"model\":7,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|400|model",
        "unknown model|{\"model\":\"llama-from-nowhere\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|404|",
    })
    void badInputIsAnsweredWithAJsonErrorNamingTheFieldAndNothingReachesTheUpstream(String name, String body,
                                                                                    int status, String param)
            throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", body);
        assertEquals(status, response.statusCode(), response.body());
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertTrue(error.path("message").asText().length() > 5);
        if (param != null) {
            assertEquals(param, error.path("param").asText());
        }
        assertEquals(0, openAi.received().size(), "nothing reaches the upstream");
    }

    @Test
    void aBodyOverTheLimitIsRefusedWith413() throws Exception {
        String big = "x".repeat(1_100_000);
        HttpResponse<String> response = gateway.post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + big + "\"}]}");
        assertEquals(413, response.statusCode());
        assertEquals("request_too_large", JSON.readTree(response.body()).path("error").path("code").asText());
        assertEquals(0, openAi.received().size());
    }

    @Test
    void unknownPathsAndWrongMethodsGetOpenAiShapedErrors() throws Exception {
        HttpResponse<String> missing = gateway.get("/v1/nothing-here");
        assertEquals(404, missing.statusCode());
        assertEquals("unknown_url", JSON.readTree(missing.body()).path("error").path("code").asText());
        HttpResponse<String> wrongMethod = gateway.get("/v1/chat/completions");
        assertEquals(405, wrongMethod.statusCode());
        assertEquals("method_not_allowed", JSON.readTree(wrongMethod.body()).path("error").path("code").asText());
        for (String oneModel : List.of("/v1/models/gpt-4o-mini", "/v1/models/openai/gpt-4o")) {
            HttpResponse<String> postToOne = gateway.post(oneModel, "{}");
            assertEquals(405, postToOne.statusCode(), oneModel);
            assertEquals("GET", postToOne.headers().firstValue("Allow").orElseThrow());
        }
        assertEquals(404, gateway.post("/v1/modelsx/gpt-4o", "{}").statusCode());
    }

    @Test
    void aPathWithAMalformedPercentEscapeGetsAnOpenAiShaped400() throws Exception {
        for (String path : List.of("/v1/models/%zz", "/v1/chat/completions%zz", "/v1/models/gpt-4o%2", "/v1/%")) {
            for (String method : List.of("GET", "POST")) {
                LoopbackCaller.Answer answer = LoopbackCaller.send(gateway.port(), "127.0.0.1", method, path,
                        "x-request-id", "trace-escape");

                assertEquals(400, answer.status(), method + " " + path + ": " + answer.body());
                assertEquals("application/json", answer.header("content-type"), method + " " + path);
                assertEquals("invalid_request_error", answer.json().path("error").path("type").asText(),
                        method + " " + path + ": " + answer.body());
                assertEquals("trace-escape", answer.header("x-request-id"), method + " " + path);
            }
        }
        assertEquals(0, openAi.received().size(), "nothing reaches the upstream");
    }

    @Test
    void answersFromTheEdgeCarryTheCallersRequestIdOrANewOne() throws Exception {
        HttpResponse<String> tooLarge = gateway.http().send(HttpRequest.newBuilder(
                        URI.create(gateway.baseUrl() + "/v1/chat/completions"))
                .header("content-type", "application/json").header("x-request-id", "trace-413")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":"
                        + "\"user\",\"content\":\"" + "x".repeat(1_100_000) + "\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(413, tooLarge.statusCode());
        assertEquals("trace-413", tooLarge.headers().firstValue("x-request-id").orElse(null));

        HttpResponse<String> wrongMethod = gateway.http().send(HttpRequest.newBuilder(
                        URI.create(gateway.baseUrl() + "/v1/chat/completions"))
                .header("x-request-id", "not one the gateway echoes").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, wrongMethod.statusCode());
        assertTrue(wrongMethod.headers().firstValue("x-request-id").orElse("").matches("req_[0-9a-f]{32}"),
                wrongMethod.headers().map().toString());

        HttpResponse<String> unknown = gateway.get("/v1/nothing-here");
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.headers().firstValue("x-request-id").orElse("").matches("req_[0-9a-f]{32}"),
                unknown.headers().map().toString());
        assertEquals(0, openAi.received().size());
    }

    static List<String> dataEvents(String body) {
        List<String> out = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("data: ")) {
                out.add(line.substring(6));
            }
        }
        return out;
    }
}
