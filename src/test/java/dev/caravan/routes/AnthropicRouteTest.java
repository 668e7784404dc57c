package dev.caravan.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.support.FakeAnthropic;
import dev.caravan.support.FakeAnthropic.ToolUse;
import dev.caravan.support.Gateway;
import dev.caravan.support.StreamCapture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Anthropic route end to end: real gateway, a fake Messages API on 127.0.0.1 that validates like the real one. */
class AnthropicRouteTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-ant-test-key-7777";
    /** Priced at 0.80 / 4.00 USD per million tokens, maxOutputTokens 8192; chained to mock-echo below. */
    private static final String MODEL = "claude-3-5-haiku-20241022";
    /** No fallback chain of its own. */
    private static final String UNCHAINED = "claude-3-haiku-20240307";
    private static final String WEATHER_TOOL = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"description\":\"Current weather for a city\",\"parameters\":{\"type\":\"object\","
            + "\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}";

    @TempDir
    static Path dir;
    static FakeAnthropic anthropic;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        anthropic = new FakeAnthropic(KEY);
        Path catalog = dir.resolve("catalog.yaml");
        Files.writeString(catalog, Files.readString(Path.of("config/catalog.yaml"))
                .replace("fallbacks:\n", "fallbacks:\n  " + MODEL + ": [mock-echo]\n"));
        gateway = Gateway.start(Map.of("caravan.anthropic.base-url", anthropic.baseUrl(),
                "caravan.anthropic.api-key", KEY, "caravan.catalog.file", catalog.toString(),
                // One attempt per target here; retries on the same target are tested in dev.caravan.resilience.
                "caravan.anthropic.retry.max-retries", "0"));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        anthropic.close();
    }

    @BeforeEach
    void reset() {
        anthropic.received().clear();
        anthropic.always(anthropic.reply(FakeAnthropic.text("Hello from the fake.", 12, 5)));
    }

    private static String chat(String model, String extra, String messages) {
        return "{\"model\":\"" + model + "\"," + extra + "\"messages\":" + messages + "}";
    }

    private static String hi(String model) {
        return chat(model, "", "[{\"role\":\"user\",\"content\":\"Hi\"}]");
    }

    @Test
    void answersInOpenAisShapeAndSendsWhatTheMessagesApiRequires() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", hi(MODEL));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals("chat.completion", body.path("object").asText());
        assertTrue(body.path("id").asText().startsWith("chatcmpl-"));
        JsonNode choice = body.path("choices").path(0);
        assertEquals("assistant", choice.path("message").path("role").asText());
        assertEquals("Hello from the fake.", choice.path("message").path("content").asText());
        assertFalse(choice.path("message").has("tool_calls"));
        assertEquals("stop", choice.path("finish_reason").asText());
        assertEquals(12, body.path("usage").path("prompt_tokens").asInt());
        assertEquals(5, body.path("usage").path("completion_tokens").asInt());
        assertEquals(17, body.path("usage").path("total_tokens").asInt());
        assertEquals("anthropic", response.headers().firstValue("x-caravan-provider").orElseThrow());
        assertEquals(MODEL, response.headers().firstValue("x-caravan-model").orElseThrow());
        assertEquals("0.0000296", response.headers().firstValue("x-caravan-cost").orElseThrow());

        FakeAnthropic.Received sent = anthropic.received().get(0);
        assertEquals(200, sent.status(), "the fake accepted the request");
        assertEquals("/v1/messages", sent.path());
        assertEquals(KEY, sent.header("x-api-key"));
        assertEquals("2023-06-01", sent.header("anthropic-version"));
        assertEquals(null, sent.header("authorization"));
        JsonNode upstream = sent.json();
        assertEquals(MODEL, upstream.path("model").asText());
        assertEquals(8192, upstream.path("max_tokens").asInt(), "the catalog's default when the caller sets none");
        assertFalse(upstream.has("stream"));
        assertFalse(response.body().contains(KEY));
    }

    @Test
    void answersInTheSimpleShapeWithCost() throws Exception {
        HttpResponse<String> response = gateway.post("/ai/chat", hi(MODEL));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals("anthropic", body.path("provider").asText());
        assertEquals(MODEL, body.path("model").asText());
        assertEquals("Hello from the fake.", body.path("content").asText());
        assertEquals(12, body.path("usage").path("promptTokens").asInt());
        assertEquals(5, body.path("usage").path("completionTokens").asInt());
        assertEquals(17, body.path("usage").path("totalTokens").asInt());
        assertEquals("0.0000296", body.path("cost").decimalValue().toPlainString());
    }

    @Test
    void hoistsSystemAndDeveloperMessagesAndKeepsTheTurnsAlternating() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(MODEL,
                "\"temperature\":0.2,\"stop\":[\"END\"],\"user\":\"user-42\",", "["
                        + "{\"role\":\"system\",\"content\":\"You are terse.\"},"
                        + "{\"role\":\"user\",\"content\":\"What is 2+2?\"},"
                        + "{\"role\":\"assistant\",\"content\":\"4\"},"
                        + "{\"role\":\"developer\",\"content\":\"Answer in French.\"},"
                        + "{\"role\":\"user\",\"content\":\"And 3+3?\"},"
                        + "{\"role\":\"user\",\"content\":\"Words, please.\"}]"));

        assertEquals(200, response.statusCode(), response.body());
        FakeAnthropic.Received sent = anthropic.received().get(0);
        assertEquals(200, sent.status(), "the fake accepted the conversation");
        JsonNode upstream = sent.json();
        assertEquals("You are terse.\n\nAnswer in French.", upstream.path("system").asText());
        JsonNode messages = upstream.path("messages");
        assertEquals(3, messages.size());
        assertEquals(List.of("user", "assistant", "user"), List.of(messages.get(0).path("role").asText(),
                messages.get(1).path("role").asText(), messages.get(2).path("role").asText()));
        assertEquals("What is 2+2?", messages.get(0).path("content").path(0).path("text").asText());
        assertEquals(2, messages.get(2).path("content").size(), "the two last user turns are merged");
        assertEquals("Words, please.", messages.get(2).path("content").path(1).path("text").asText());
        assertEquals(0.2, upstream.path("temperature").asDouble());
        assertEquals("END", upstream.path("stop_sequences").path(0).asText());
        assertEquals("user-42", upstream.path("metadata").path("user_id").asText());
    }

    @Test
    void aTemperatureAboveAnthropicsMostIsSentAsItsMost() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(MODEL, "\"temperature\":1.5,",
                "[{\"role\":\"user\",\"content\":\"Surprise me\"}]"));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(200, anthropic.received().get(0).status(), "the fake accepted the temperature");
        assertEquals(1.0, anthropic.received().get(0).json().path("temperature").asDouble());
    }

    @Test
    void leavesOutTheWhitespaceOnlyStopSequencesAnthropicRefusesAndKeepsTheOthers() throws Exception {
        HttpResponse<String> mixed = gateway.post("/v1/chat/completions", chat(MODEL,
                "\"stop\":[\"\\n\",\"END\",\" \\t\"],", "[{\"role\":\"user\",\"content\":\"Hi\"}]"));
        HttpResponse<String> onlyNewline = gateway.post("/v1/chat/completions", chat(MODEL,
                "\"stop\":\"\\n\",", "[{\"role\":\"user\",\"content\":\"Hi\"}]"));

        assertEquals(200, mixed.statusCode(), mixed.body());
        assertEquals(200, onlyNewline.statusCode(), onlyNewline.body());
        assertEquals(List.of(200, 200), anthropic.received().stream().map(FakeAnthropic.Received::status).toList());
        assertEquals("[\"END\"]", anthropic.received().get(0).json().path("stop_sequences").toString());
        assertFalse(anthropic.received().get(1).json().has("stop_sequences"));
    }

    @Test
    void theAnswerIsCutAtAWhitespaceStopSequenceAnthropicWasNotSent_singleAndStreamed() throws Exception {
        anthropic.always(anthropic.reply(FakeAnthropic.pieces(List.of("positive", "\nBecause the", " review praises",
                " it."), "end_turn", 30, 9)));
        String body = "\"stop\":[\"\\n\"],\"stream_options\":{\"include_usage\":true},";
        String messages = "[{\"role\":\"user\",\"content\":\"Sentiment, one word\"}]";

        HttpResponse<String> single = gateway.post("/v1/chat/completions", chat(MODEL, body, messages));
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions", chat(MODEL,
                body + "\"stream\":true,", messages));

        assertEquals(200, single.statusCode(), single.body());
        JsonNode choice = JSON.readTree(single.body()).path("choices").path(0);
        assertEquals("positive", choice.path("message").path("content").asText());
        assertEquals("stop", choice.path("finish_reason").asText());
        assertEquals(9, JSON.readTree(single.body()).path("usage").path("completion_tokens").asInt(),
                "what the model wrote past the stop is billed");
        assertEquals("positive", stream.openAiText());
        List<JsonNode> chunks = stream.chunks();
        assertEquals(1, chunks.stream().filter(c -> c.path("choices").path(0).path("finish_reason").isTextual())
                .count(), chunks.toString());
        // the stream ends at the cut, before Anthropic's usage: its output is estimated from the text that came
        // ("positive\nBecause the", 20 bytes: 5 tokens); WhitespaceStopCutTest tests what else a cut does
        assertEquals(5, chunks.get(chunks.size() - 1).path("usage").path("completion_tokens").asInt());
        assertEquals("[DONE]", stream.data().get(stream.data().size() - 1));
    }

    @Test
    void aToolCallGoesRoundTrip() throws Exception {
        anthropic.then(anthropic.reply(FakeAnthropic.toolUse(new ToolUse("toolu_01WeatherParis", "get_weather",
                List.of("{\"city\":", " \"Paris\"}")), 80, 20)));
        HttpResponse<String> first = gateway.post("/v1/chat/completions", chat(MODEL,
                "\"tools\":[" + WEATHER_TOOL + "],\"tool_choice\":\"auto\",",
                "[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]"));

        assertEquals(200, first.statusCode(), first.body());
        JsonNode upstream = anthropic.received().get(0).json();
        assertEquals("get_weather", upstream.path("tools").path(0).path("name").asText());
        assertEquals("object", upstream.path("tools").path(0).path("input_schema").path("type").asText());
        assertEquals("auto", upstream.path("tool_choice").path("type").asText());
        JsonNode choice = JSON.readTree(first.body()).path("choices").path(0);
        assertEquals("tool_calls", choice.path("finish_reason").asText());
        assertTrue(choice.path("message").path("content").isNull());
        JsonNode call = choice.path("message").path("tool_calls").path(0);
        assertEquals("toolu_01WeatherParis", call.path("id").asText());
        assertEquals("function", call.path("type").asText());
        assertEquals("get_weather", call.path("function").path("name").asText());
        assertEquals(JSON.readTree("{\"city\":\"Paris\"}"),
                JSON.readTree(call.path("function").path("arguments").asText()));

        anthropic.then(anthropic.reply(FakeAnthropic.text("It is 18 degrees in Paris.", 120, 9)));
        HttpResponse<String> second = gateway.post("/v1/chat/completions", chat(MODEL,
                "\"tools\":[" + WEATHER_TOOL + "],", "["
                        + "{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
                        + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[" + call + "]},"
                        + "{\"role\":\"tool\",\"tool_call_id\":\"toolu_01WeatherParis\",\"content\":\"18C, sunny\"}]"));

        assertEquals(200, second.statusCode(), second.body());
        FakeAnthropic.Received followUp = anthropic.received().get(1);
        assertEquals(200, followUp.status(), "the fake accepted the tool result");
        JsonNode messages = followUp.json().path("messages");
        assertEquals(3, messages.size());
        JsonNode use = messages.get(1).path("content").path(0);
        assertEquals("assistant", messages.get(1).path("role").asText());
        assertEquals("tool_use", use.path("type").asText());
        assertEquals("toolu_01WeatherParis", use.path("id").asText());
        assertEquals("get_weather", use.path("name").asText());
        assertEquals("Paris", use.path("input").path("city").asText());
        JsonNode result = messages.get(2).path("content").path(0);
        assertEquals("user", messages.get(2).path("role").asText());
        assertEquals("tool_result", result.path("type").asText());
        assertEquals("toolu_01WeatherParis", result.path("tool_use_id").asText());
        assertTrue(result.toString().contains("18C, sunny"), result.toString());
        assertEquals("It is 18 degrees in Paris.",
                JSON.readTree(second.body()).path("choices").path(0).path("message").path("content").asText());
    }

    private static final String TOOL_LOOP = ToolLoop.followUp("toolu_1");

    @Test
    void anEmptyAnswerAfterAToolResultIsEmptyTextThatCanBeSentBack_singleAndStreamed() throws Exception {
        anthropic.always(anthropic.reply(FakeAnthropic.pieces(List.of(), "end_turn", 120, 2)));
        String tools = "\"tools\":[" + WEATHER_TOOL + "],";

        HttpResponse<String> single = gateway.post("/v1/chat/completions", chat(MODEL, tools, TOOL_LOOP));
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions", chat(MODEL,
                tools + "\"stream\":true,", TOOL_LOOP));
        HttpResponse<String> simple = gateway.post("/ai/chat", hi(MODEL));

        assertEquals(200, single.statusCode(), single.body());
        JsonNode message = JSON.readTree(single.body()).path("choices").path(0).path("message");
        assertEquals("", message.path("content").textValue(), message.toString());
        assertFalse(message.has("tool_calls"));
        List<JsonNode> chunks = stream.chunks();
        assertEquals("", chunks.get(0).path("choices").path(0).path("delta").path("content").textValue(),
                chunks.toString());
        assertEquals("", JSON.readTree(simple.body()).path("content").textValue(), simple.body());
        // the SDK idiom: the answer's message appended to the history as it came
        String history = TOOL_LOOP.substring(0, TOOL_LOOP.length() - 1) + "," + message + ","
                + "{\"role\":\"user\",\"content\":\"And tomorrow?\"}]";
        anthropic.always(anthropic.reply(FakeAnthropic.text("Rain.", 130, 2)));
        HttpResponse<String> next = gateway.post("/v1/chat/completions", chat(MODEL, tools, history));
        assertEquals(200, next.statusCode(), next.body());
    }

    @Test
    void aToolLoopFollowUpWithToolChoiceNoneKeepsTheToolBlocksAndForbidsCalls() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(MODEL,
                "\"tools\":[" + WEATHER_TOOL + "],\"tool_choice\":\"none\",", TOOL_LOOP));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode sent = anthropic.received().get(0).json();
        assertEquals("none", sent.path("tool_choice").path("type").asText());
        assertEquals("tool_use", sent.path("messages").get(1).path("content").path(0).path("type").asText());
    }

    @Test
    void aToolLoopFollowUpWithoutToolsSendsTheEarlierToolTurnsAsText() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(MODEL, "", TOOL_LOOP));

        assertEquals(200, response.statusCode(), response.body());
        FakeAnthropic.Received sent = anthropic.received().get(0);
        assertEquals(200, sent.status(), "the fake accepted the request");
        JsonNode messages = sent.json().path("messages");
        assertFalse(sent.json().has("tools"));
        assertEquals(3, messages.size(), messages.toString());
        assertEquals("[called tool get_weather (id toolu_1) with {\"city\":\"Paris\"}]",
                messages.get(1).path("content").path(0).path("text").asText());
        assertEquals("[result of tool get_weather (id toolu_1): 18C, sunny]",
                messages.get(2).path("content").path(0).path("text").asText());
        assertEquals("Now sum it up in words.", messages.get(2).path("content").path(1).path("text").asText());
    }

    @Test
    void streamsEachEventToTheClientAsItArrives() throws Exception {
        List<String> words = List.of("one", " two", " three", " four", " five", " six", " seven", " eight",
                " nine", " ten");
        // 16 events (message_start, block start, ping, 10 deltas, block stop, message_delta, message_stop)
        // 200 ms apart: the last leaves after about 3.2 s.
        anthropic.then(anthropic.reply(FakeAnthropic.pieces(words, "end_turn", 9, 10).delayed(200)));
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions",
                chat(MODEL, "\"stream\":true,", "[{\"role\":\"user\",\"content\":\"Count\"}]"));

        assertEquals(200, stream.status());
        assertTrue(stream.header("content-type").startsWith("text/event-stream"));
        assertEquals("anthropic", stream.header("x-caravan-provider"));
        assertTrue(stream.totalMillis() >= 3_000, "the stream lasted " + stream.totalMillis() + " ms");
        assertTrue(stream.firstContentMillis() >= 0 && stream.firstContentMillis() < 1_500,
                "first content reached the client after " + stream.firstContentMillis() + " ms");
        assertEquals("[DONE]", stream.data().get(stream.data().size() - 1));
        assertEquals(String.join("", words), stream.openAiText());
        List<JsonNode> chunks = stream.chunks();
        assertEquals(words.size() + 1, chunks.size(), "one chunk per text delta, then the finish chunk");
        assertEquals("assistant", chunks.get(0).path("choices").path(0).path("delta").path("role").asText());
        assertEquals("stop", chunks.get(chunks.size() - 1).path("choices").path(0).path("finish_reason").asText());
        for (JsonNode chunk : chunks) {
            assertEquals("chat.completion.chunk", chunk.path("object").asText());
            assertFalse(chunk.has("usage"), "no usage unless asked for");
        }
        assertTrue(anthropic.received().get(0).json().path("stream").asBoolean());
    }

    @Test
    void streamsInTheSimpleShapeWithUsageAndCost() throws Exception {
        anthropic.then(anthropic.reply(FakeAnthropic.pieces(List.of("Hel", "lo"), "end_turn", 12, 5)));
        StreamCapture stream = StreamCapture.post(gateway, "/ai/chat",
                chat(MODEL, "\"stream\":true,", "[{\"role\":\"user\",\"content\":\"Hi\"}]"));

        List<JsonNode> events = stream.chunks();
        assertEquals("Hel", events.get(0).path("content").asText());
        assertEquals("lo", events.get(1).path("content").asText());
        assertTrue(events.get(2).path("finished").asBoolean());
        JsonNode complete = events.get(3);
        assertEquals("complete", complete.path("type").asText());
        assertEquals(17, complete.path("usage").path("totalTokens").asInt());
        assertEquals("0.0000296", complete.path("cost").decimalValue().toPlainString());
    }

    @Test
    void aMaxTokensCutOffEndsWithFinishReasonLength() throws Exception {
        anthropic.then(anthropic.reply(FakeAnthropic.pieces(List.of("The answer is"), "max_tokens", 10, 3)));
        HttpResponse<String> plain = gateway.post("/v1/chat/completions",
                chat(MODEL, "\"max_tokens\":3,", "[{\"role\":\"user\",\"content\":\"Explain\"}]"));
        assertEquals("length", JSON.readTree(plain.body()).path("choices").path(0).path("finish_reason").asText());
        assertEquals(3, anthropic.received().get(0).json().path("max_tokens").asInt());

        anthropic.then(anthropic.reply(FakeAnthropic.pieces(List.of("The", " answer", " is"), "max_tokens", 10, 3)));
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions", chat(MODEL,
                "\"max_completion_tokens\":3,\"stream\":true,", "[{\"role\":\"user\",\"content\":\"Explain\"}]"));
        List<JsonNode> chunks = stream.chunks();
        assertEquals("length", chunks.get(chunks.size() - 1).path("choices").path(0).path("finish_reason").asText());
        assertEquals(3, anthropic.received().get(1).json().path("max_tokens").asInt());
    }

    @Test
    void theUsageChunkCarriesTheFinalCounts() throws Exception {
        anthropic.then(anthropic.reply(FakeAnthropic.pieces(List.of("a", " b", " c"), "end_turn", 21, 3)));
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions", chat(MODEL,
                "\"stream\":true,\"stream_options\":{\"include_usage\":true},",
                "[{\"role\":\"user\",\"content\":\"x\"}]"));

        assertEquals("[DONE]", stream.data().get(stream.data().size() - 1));
        List<JsonNode> chunks = stream.chunks();
        JsonNode usage = chunks.get(chunks.size() - 1);
        assertEquals(0, usage.path("choices").size());
        assertEquals(21, usage.path("usage").path("prompt_tokens").asInt());
        assertEquals(3, usage.path("usage").path("completion_tokens").asInt(),
                "message_delta's count, not message_start's");
        assertEquals(24, usage.path("usage").path("total_tokens").asInt());
        for (JsonNode chunk : chunks.subList(0, chunks.size() - 1)) {
            assertTrue(chunk.has("usage") && chunk.path("usage").isNull(), "usage: null on every other chunk");
        }
    }

    @Test
    void streamsToolCallArgumentsPieceByPiece() throws Exception {
        anthropic.then(anthropic.reply(FakeAnthropic.toolUse(new ToolUse("toolu_01Stream", "get_weather",
                List.of("{\"city\": \"Pa", "ris\"}")), 50, 15)));
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions", chat(MODEL,
                "\"stream\":true,\"tools\":[" + WEATHER_TOOL + "],",
                "[{\"role\":\"user\",\"content\":\"Weather?\"}]"));

        List<JsonNode> chunks = stream.chunks();
        JsonNode first = chunks.get(0).path("choices").path(0).path("delta").path("tool_calls").path(0);
        assertEquals(0, first.path("index").asInt());
        assertEquals("toolu_01Stream", first.path("id").asText());
        assertEquals("function", first.path("type").asText());
        assertEquals("get_weather", first.path("function").path("name").asText());
        assertEquals("", first.path("function").path("arguments").asText());
        StringBuilder arguments = new StringBuilder();
        for (JsonNode chunk : chunks) {
            for (JsonNode call : chunk.path("choices").path(0).path("delta").path("tool_calls")) {
                arguments.append(call.path("function").path("arguments").asText());
            }
        }
        assertEquals("{\"city\": \"Paris\"}", arguments.toString());
        assertEquals(4, chunks.size(), "start, two argument pieces, finish: the empty first delta adds no chunk");
        assertEquals("tool_calls", chunks.get(3).path("choices").path(0).path("finish_reason").asText());
    }

    @Test
    void keepsTheStatusAndMessageOfTheCallersOwnErrors() throws Exception {
        anthropic.always(FakeAnthropic.error(400, "invalid_request_error",
                "messages.0.content.0.image.source.base64.data: The image was specified using the image/png media "
                        + "type, but does not appear to be a valid png image"));
        HttpResponse<String> response = gateway.post("/v1/chat/completions", hi(MODEL));

        assertEquals(400, response.statusCode(), response.body());
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertEquals("invalid_request_error", error.path("type").asText());
        assertTrue(error.path("message").asText().contains("does not appear to be a valid png image"));
        assertEquals(1, anthropic.received().size(), "a caller's error is neither retried nor sent elsewhere");
    }

    @Test
    void anOverloadedAnthropicFallsBackWhenAChainExists() throws Exception {
        anthropic.always(FakeAnthropic.overloaded());
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat(MODEL, "", "[{\"role\":\"user\",\"content\":\"fall back please\"}]"));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("mock", response.headers().firstValue("x-caravan-provider").orElseThrow());
        assertEquals("2", response.headers().firstValue("x-caravan-attempts").orElseThrow());
        assertEquals("fall back please",
                JSON.readTree(response.body()).path("choices").path(0).path("message").path("content").asText());
    }

    @Test
    void anOverloadedAnthropicIs503WithoutAChain() throws Exception {
        anthropic.always(FakeAnthropic.overloaded());
        HttpResponse<String> response = gateway.post("/v1/chat/completions", hi(UNCHAINED));

        assertEquals(503, response.statusCode(), response.body());
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertEquals("upstream_error", error.path("type").asText());
        assertTrue(error.path("message").asText().contains("Overloaded"), error.toString());
    }

    @Test
    void aRateLimitIs429AndIsNotResentBehindTheChainsBack() throws Exception {
        anthropic.always(FakeAnthropic.error(429, "rate_limit_error",
                "Number of request tokens has exceeded your per-minute rate limit"));
        HttpResponse<String> response = gateway.post("/v1/chat/completions", hi(UNCHAINED));

        assertEquals(429, response.statusCode(), response.body());
        assertEquals("rate_limit_error", JSON.readTree(response.body()).path("error").path("type").asText());
        assertEquals(1, anthropic.received().size(), "the HTTP client resent the request on its own");
    }

    @Test
    void aStreamThatFailsAtItsFirstEventFallsBackBeforeAnythingIsCommitted() throws Exception {
        anthropic.then(FakeAnthropic.sse(0, List.<String[]>of(new String[] {"error",
                "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"})));
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions",
                chat(MODEL, "\"stream\":true,", "[{\"role\":\"user\",\"content\":\"fall back please\"}]"));

        assertEquals(200, stream.status());
        assertEquals("mock", stream.header("x-caravan-provider"));
        assertEquals("2", stream.header("x-caravan-attempts"));
        assertEquals("fall back please", stream.openAiText());
        assertFalse(String.join("\n", stream.data()).contains("error"));
    }

    @Test
    void anErrorAfterTheStreamBeganEndsItWithAnErrorEvent() throws Exception {
        anthropic.then(beganThen(new String[] {"error",
                "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"}));
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions",
                chat(MODEL, "\"stream\":true,", "[{\"role\":\"user\",\"content\":\"x\"}]"));

        assertEquals(200, stream.status());
        assertEquals("anthropic", stream.header("x-caravan-provider"));
        List<JsonNode> chunks = stream.chunks();
        assertEquals("Partial", chunks.get(0).path("choices").path(0).path("delta").path("content").asText());
        JsonNode last = chunks.get(chunks.size() - 1);
        assertTrue(last.has("error"), last.toString());
        assertTrue(last.path("error").path("message").asText().contains("Overloaded"));
    }

    @Test
    void aStreamThatEndsWithoutMessageStopEndsWithAnErrorEventNotDone() throws Exception {
        anthropic.then(beganThen());
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions",
                chat(MODEL, "\"stream\":true,", "[{\"role\":\"user\",\"content\":\"x\"}]"));

        assertEquals(200, stream.status());
        assertEquals("1", stream.header("x-caravan-attempts"));
        assertFalse(stream.data().contains("[DONE]"), String.join("\n", stream.data()));
        List<JsonNode> chunks = stream.chunks();
        assertEquals("Partial", chunks.get(0).path("choices").path(0).path("delta").path("content").asText());
        JsonNode last = chunks.get(chunks.size() - 1);
        assertEquals("stream_incomplete", last.path("error").path("code").asText(), last.toString());
    }

    /** A stream that begins ("Partial") and then sends {@code tail}, with no message_delta and no message_stop. */
    private static FakeAnthropic.Answer beganThen(String[]... tail) {
        return (exchange, request) -> {
            List<String[]> events = new java.util.ArrayList<>();
            events.add(new String[] {"message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_x\","
                    + "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + MODEL + "\",\"content\":[],"
                    + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}"});
            events.add(new String[] {"content_block_start",
                    "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"});
            events.add(new String[] {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
                    + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Partial\"}}"});
            events.addAll(List.of(tail));
            FakeAnthropic.sse(0, events).send(exchange, request);
        };
    }

    // ---- the fake itself answers like the real Messages API ---------------------------------------------

    private static HttpResponse<String> direct(Map<String, String> headers, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(anthropic.baseUrl() + "/v1/messages"))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return gateway.http().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertRejected(int status, String type, String messagePart, HttpResponse<String> response)
            throws Exception {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals("error", body.path("type").asText());
        assertEquals(type, body.path("error").path("type").asText());
        assertTrue(body.path("error").path("message").asText().contains(messagePart), response.body());
    }

    @Test
    void theFakeRefusesWhatTheRealApiRefuses() throws Exception {
        Map<String, String> good = Map.of("x-api-key", KEY, "anthropic-version", "2023-06-01",
                "content-type", "application/json");
        String user = "{\"role\":\"user\",\"content\":\"Hi\"}";
        String assistant = "{\"role\":\"assistant\",\"content\":\"Hello\"}";

        assertRejected(401, "authentication_error", "x-api-key",
                direct(Map.of("anthropic-version", "2023-06-01"), "{}"));
        assertRejected(401, "authentication_error", "invalid x-api-key",
                direct(Map.of("x-api-key", "wrong", "anthropic-version", "2023-06-01"), "{}"));
        assertRejected(400, "invalid_request_error", "anthropic-version",
                direct(Map.of("x-api-key", KEY), "{}"));
        assertRejected(400, "invalid_request_error", "max_tokens: Field required",
                direct(good, "{\"model\":\"m\",\"messages\":[" + user + "]}"));
        assertRejected(400, "invalid_request_error", "Unexpected role \"system\"", direct(good,
                "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"x\"}," + user + "]}"));
        assertRejected(400, "invalid_request_error", "alternate",
                direct(good, "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[" + user + "," + user + "]}"));
        assertRejected(400, "invalid_request_error", "stop_sequences: each stop sequence must contain non-whitespace",
                direct(good, "{\"model\":\"m\",\"max_tokens\":5,\"stop_sequences\":[\"\\n\"],\"messages\":["
                        + user + "]}"));
        assertRejected(400, "invalid_request_error", "first message",
                direct(good, "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[" + assistant + "," + user + "]}"));
        assertRejected(400, "invalid_request_error", "tool_use_id", direct(good,
                "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
                        + "\"tool_result\",\"tool_use_id\":\"toolu_nowhere\",\"content\":\"x\"}]}]}"));
        assertRejected(400, "invalid_request_error", "must define tools", direct(good,
                "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[" + user + ",{\"role\":\"assistant\",\"content\":[{"
                        + "\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"f\",\"input\":{}}]},{\"role\":\"user\","
                        + "\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\",\"content\":\"x\"}]}]}"));
        assertEquals(0, anthropic.received().stream().filter(r -> r.status() == 200).count());

        HttpResponse<String> overloaded;
        anthropic.then(FakeAnthropic.overloaded());
        overloaded = direct(good, "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[" + user + "]}");
        assertRejected(529, "overloaded_error", "Overloaded", overloaded);

        HttpResponse<String> ok = direct(good, "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[" + user + ","
                + assistant + "," + user + "]}");
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("message", JSON.readTree(ok.body()).path("type").asText());

        HttpResponse<String> streamed = direct(good, "{\"model\":\"m\",\"max_tokens\":5,\"stream\":true,"
                + "\"messages\":[" + user + "]}");
        assertTrue(streamed.body().startsWith("event: message_start\ndata: {\"type\":\"message_start\""),
                streamed.body());
        assertTrue(streamed.body().contains("event: ping\n"));
        assertTrue(streamed.body().endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
    }
}
