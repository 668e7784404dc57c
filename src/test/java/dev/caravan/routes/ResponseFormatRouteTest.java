package dev.caravan.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.support.FakeAnthropic;
import dev.caravan.support.FakeOpenAi;
import dev.caravan.support.Gateway;
import dev.caravan.support.OpenAiWithClaudeFallback;
import dev.caravan.support.StreamCapture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A json_object or json_schema response_format is honoured by every provider: OpenAI gets it as sent; Anthropic gets
 * the schema as a tool it must call, and the caller gets that call's input as the answer's JSON text, single or
 * streamed, as OpenAI would have answered.
 */
class ResponseFormatRouteTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ANTHROPIC_KEY = "sk-ant-format-test";
    private static final String CLAUDE = OpenAiWithClaudeFallback.CLAUDE;
    private static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}},"
            + "\"required\":[\"name\"]}";
    private static final String JSON_SCHEMA = "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"city\","
            + "\"schema\":" + SCHEMA + "}}";
    private static final String WEATHER_TOOL = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}";

    @TempDir
    static Path dir;
    static OpenAiWithClaudeFallback upstreams;
    static FakeOpenAi openAi;
    static FakeAnthropic anthropic;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        upstreams = OpenAiWithClaudeFallback.start(dir, ANTHROPIC_KEY);
        openAi = upstreams.openAi();
        anthropic = upstreams.anthropic();
        gateway = upstreams.gateway();
    }

    @AfterAll
    static void stop() throws Exception {
        upstreams.close();
    }

    @BeforeEach
    void reset() {
        openAi.received().clear();
        anthropic.received().clear();
        openAi.always(FakeOpenAi.json(200, FakeOpenAi.chatCompletion("{}", 12, 2)));
        anthropic.always(anthropic.reply(FakeAnthropic.toolUse(new FakeAnthropic.ToolUse("toolu_01City", "city",
                List.of("{\"name\":", " \"Paris\"}")), 40, 9)));
    }

    private static String chat(String model, String responseFormat, boolean stream) {
        return chat(model, responseFormat, stream, "");
    }

    private static String chat(String model, String responseFormat, boolean stream, String extra) {
        return "{\"model\":\"" + model + "\",\"response_format\":" + responseFormat + ",\"stream\":" + stream
                + extra + ",\"messages\":[{\"role\":\"user\",\"content\":\"Name a city\"}]}";
    }

    @Test
    void anthropicIsMadeToCallTheSchemaAsATool_andTheCallerGetsItsInputAsTheAnswer() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(CLAUDE, JSON_SCHEMA, false));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("anthropic", response.headers().firstValue("x-caravan-provider").orElseThrow());
        JsonNode choice = JSON.readTree(response.body()).path("choices").path(0);
        assertEquals(JSON.readTree("{\"name\":\"Paris\"}"), JSON.readTree(choice.path("message").path("content")
                .asText()));
        assertTrue(choice.path("message").path("tool_calls").isMissingNode()
                || choice.path("message").path("tool_calls").isEmpty(), choice.toString());
        assertEquals("stop", choice.path("finish_reason").asText());
        assertEquals(9, JSON.readTree(response.body()).path("usage").path("completion_tokens").asInt());

        JsonNode sent = anthropic.received().get(0).json();
        assertEquals("city", sent.path("tools").path(0).path("name").asText());
        assertEquals(JSON.readTree(SCHEMA), sent.path("tools").path(0).path("input_schema"));
        assertEquals(JSON.readTree("{\"type\":\"any\"}"), sent.path("tool_choice"));
        assertEquals(1, sent.path("tools").size());
        assertFalse(sent.has("response_format"), sent.toString());
    }

    @Test
    void aStreamedAnswerComesAsContentDeltasEndingInStop() throws Exception {
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions", chat(CLAUDE, JSON_SCHEMA, true));

        assertEquals(200, stream.status());
        assertEquals(JSON.readTree("{\"name\":\"Paris\"}"), JSON.readTree(stream.openAiText()));
        List<JsonNode> chunks = stream.chunks();
        assertTrue(chunks.stream().noneMatch(c -> c.path("choices").path(0).path("delta").has("tool_calls")),
                chunks.toString());
        assertEquals("stop", chunks.get(chunks.size() - 1).path("choices").path(0).path("finish_reason").asText());
        assertEquals("[DONE]", stream.data().get(stream.data().size() - 1));
    }

    static Stream<Arguments> answersWithText() {
        FakeAnthropic.ToolUse city = new FakeAnthropic.ToolUse("toolu_01City", "city",
                List.of("{\"name\":", "\"Paris\"}"));
        FakeAnthropic.ToolUse weather = new FakeAnthropic.ToolUse("toolu_01Weather", "get_weather",
                List.of("{\"city\":\"Paris\"}"));
        List<String> text = List.of("I will answer", " with the tool.");
        String tools = ",\"tools\":[" + WEATHER_TOOL + "]";
        return Stream.of(
                Arguments.of("text, then the forced answer", new FakeAnthropic.Reply(text, List.of(city), "tool_use",
                        40, 19, 0), ""),
                Arguments.of("text, then the answer, beside the caller's tools", new FakeAnthropic.Reply(text,
                        List.of(city), "tool_use", 60, 19, 0), tools),
                Arguments.of("text, then a call of the caller's tool", new FakeAnthropic.Reply(text, List.of(weather),
                        "tool_use", 60, 19, 0), tools),
                Arguments.of("text, then the caller's call and the answer", new FakeAnthropic.Reply(text,
                        List.of(weather, city), "tool_use", 60, 29, 0), tools),
                Arguments.of("text cut at max_tokens before any call", new FakeAnthropic.Reply(text, List.of(),
                        "max_tokens", 40, 8, 0), ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("answersWithText")
    void aStreamedAnswerAddsUpToWhatTheSingleAnswerSays(String name, FakeAnthropic.Reply reply, String tools)
            throws Exception {
        anthropic.always(anthropic.reply(reply));

        HttpResponse<String> single = gateway.post("/v1/chat/completions", chat(CLAUDE, JSON_SCHEMA, false, tools));
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions",
                chat(CLAUDE, JSON_SCHEMA, true, tools));

        assertEquals(200, single.statusCode(), single.body());
        assertEquals(200, stream.status());
        Said said = Said.single(JSON.readTree(single.body()));
        assertEquals(said, Said.streamed(stream.chunks()), stream.data().toString());
        if (reply.toolUses().stream().anyMatch(use -> "city".equals(use.name()))) {
            assertEquals(JSON.readTree("{\"name\":\"Paris\"}"), JSON.readTree(stream.openAiText()));
        } else {
            assertEquals("I will answer with the tool.", said.content());
        }
    }

    @Test
    void textBeforeACallOfTheCallersToolStreamsAheadOfIt_inTheOrderTheModelWroteThem() throws Exception {
        anthropic.always(anthropic.reply(new FakeAnthropic.Reply(List.of("Let me check", " the weather."),
                List.of(new FakeAnthropic.ToolUse("toolu_01Weather", "get_weather", List.of("{\"city\":", "\"Paris\"}"))),
                "tool_use", 60, 19, 0)));

        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions",
                chat(CLAUDE, JSON_SCHEMA, true, ",\"tools\":[" + WEATHER_TOOL + "]"));

        assertEquals(200, stream.status());
        assertEquals(List.of("content", "tool_calls", "finish"), stream.openAiOrder(), stream.data().toString());
        assertEquals("Let me check the weather.", stream.openAiText());
        assertEquals("[DONE]", stream.data().get(stream.data().size() - 1));
    }

    static Stream<Arguments> failuresAfterTheCallersCall() {
        return Stream.of(
                Arguments.of("an error event", List.<String[]>of(new String[] {"error",
                        "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"})),
                Arguments.of("the connection ending without message_stop", List.<String[]>of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failuresAfterTheCallersCall")
    void textHeldWhenTheStreamFailsIsRelayedBeforeTheErrorEvent(String name, List<String[]> failure)
            throws Exception {
        List<String[]> events = new ArrayList<>(List.of(
                new String[] {"message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01Fails\","
                        + "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + CLAUDE + "\",\"content\":[],"
                        + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":60,\"output_tokens\":1}}}"},
                new String[] {"content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
                        + "{\"type\":\"tool_use\",\"id\":\"toolu_01Weather\",\"name\":\"get_weather\",\"input\":{}}}"},
                new String[] {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                        + "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}"},
                new String[] {"content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"},
                new String[] {"content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":"
                        + "{\"type\":\"text\",\"text\":\"\"}}"},
                new String[] {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":"
                        + "{\"type\":\"text_delta\",\"text\":\"Checking Paris.\"}}"}));
        events.addAll(failure);
        anthropic.always(FakeAnthropic.sse(0, events));

        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions",
                chat(CLAUDE, JSON_SCHEMA, true, ",\"tools\":[" + WEATHER_TOOL + "]"));

        assertEquals(200, stream.status());
        assertEquals(List.of("tool_calls", "content", "error"), stream.openAiOrder(), stream.data().toString());
        assertEquals("Checking Paris.", stream.openAiText());
        assertFalse(stream.data().contains("[DONE]"), stream.data().toString());
    }

    /** What an OpenAI-shaped answer says, single or streamed: its text, its tool calls and why it stopped. */
    private record Said(String content, List<String> calls, String finishReason) {

        static Said single(JsonNode body) {
            JsonNode message = body.at("/choices/0/message");
            List<String> calls = new ArrayList<>();
            for (JsonNode call : message.path("tool_calls")) {
                calls.add(call.at("/function/name").asText() + call.at("/function/arguments").asText());
            }
            return new Said(message.path("content").asText(""), calls,
                    body.at("/choices/0/finish_reason").asText());
        }

        static Said streamed(List<JsonNode> chunks) {
            StringBuilder content = new StringBuilder();
            Map<Integer, StringBuilder> calls = new TreeMap<>();
            String finish = null;
            for (JsonNode chunk : chunks) {
                JsonNode delta = chunk.at("/choices/0/delta");
                content.append(delta.path("content").asText(""));
                for (JsonNode call : delta.path("tool_calls")) {
                    calls.computeIfAbsent(call.path("index").asInt(), i -> new StringBuilder())
                            .append(call.at("/function/name").asText("")).append(call.at("/function/arguments")
                                    .asText(""));
                }
                finish = chunk.at("/choices/0/finish_reason").isTextual()
                        ? chunk.at("/choices/0/finish_reason").asText() : finish;
            }
            return new Said(content.toString(), calls.values().stream().map(StringBuilder::toString).toList(), finish);
        }
    }

    @Test
    void jsonObjectIsAToolTakingAnyObject() throws Exception {
        anthropic.always(anthropic.reply(FakeAnthropic.toolUse(new FakeAnthropic.ToolUse("toolu_01Any",
                "json_answer", List.of("{\"city\":\"Lyon\"}")), 30, 6)));

        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat(CLAUDE, "{\"type\":\"json_object\"}", false));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("{\"city\":\"Lyon\"}", JSON.readTree(response.body()).path("choices").path(0)
                .path("message").path("content").asText());
        JsonNode sent = anthropic.received().get(0).json();
        assertEquals(JSON.readTree("{\"type\":\"object\"}"), sent.path("tools").path(0).path("input_schema"));
        assertEquals("json_answer", sent.path("tools").path(0).path("name").asText());
        assertEquals("any", sent.path("tool_choice").path("type").asText());
    }

    @Test
    void withTheCallersToolsTheModelMayCallOneOfThem() throws Exception {
        anthropic.always(anthropic.reply(FakeAnthropic.toolUse(new FakeAnthropic.ToolUse("toolu_01Weather",
                "get_weather", List.of("{\"city\":\"Paris\"}")), 50, 12)));

        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat(CLAUDE, JSON_SCHEMA, false, ",\"tools\":[" + WEATHER_TOOL + "]"));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode choice = JSON.readTree(response.body()).path("choices").path(0);
        assertEquals("get_weather", choice.path("message").path("tool_calls").path(0).path("function").path("name")
                .asText());
        assertEquals("tool_calls", choice.path("finish_reason").asText());
        JsonNode sent = anthropic.received().get(0).json();
        assertEquals(2, sent.path("tools").size());
        assertEquals("any", sent.path("tool_choice").path("type").asText());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"list\",\"schema\":{\"type\":\"array\"}}}",
        "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"not a name\"}}", "{\"type\":\"yaml\"}"})
    void aFormatAnthropicCannotBeAskedForIsA400BeforeAnyCall(String format) throws Exception {
        for (boolean stream : new boolean[] {false, true}) {
            HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(CLAUDE, format, stream));

            assertEquals(400, response.statusCode(), response.body());
            JsonNode error = JSON.readTree(response.body()).path("error");
            assertEquals("invalid_request_error", error.path("type").asText());
            assertTrue(error.path("param").asText().startsWith("response_format"), error.toString());
        }
        assertEquals(0, anthropic.received().size());
    }

    @Test
    void aTextResponseFormatStillGoesToAnthropic() throws Exception {
        anthropic.always(anthropic.reply(FakeAnthropic.text("Free text.", 12, 2)));

        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat(CLAUDE, "{\"type\":\"text\"}", false));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("anthropic", response.headers().firstValue("x-caravan-provider").orElseThrow());
    }

    @Test
    void openAiGetsTheResponseFormatAsSent() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("gpt-4o-mini", JSON_SCHEMA, false));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(JSON.readTree(JSON_SCHEMA),
                JSON.readTree(openAi.received().get(0).body()).path("response_format"));
    }

    @Test
    void aFormatTheAnthropicFallbackCouldNotBeSentIsA400BeforeOpenAiIsCalled() throws Exception {
        // OpenAI would take a schema named as a tool; its Claude fallback is sent both as tools, which cannot share a name
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("gpt-4o-mini",
                "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"get_weather\",\"schema\":" + SCHEMA + "}}",
                false, ",\"tools\":[" + WEATHER_TOOL + "]"));

        assertEquals(400, response.statusCode(), response.body());
        assertEquals("response_format", JSON.readTree(response.body()).path("error").path("param").asText());
        assertEquals(0, openAi.received().size());
        assertEquals(0, anthropic.received().size());
    }

    @Test
    void aFailingOpenAiFallsBackToAnthropicWhichAnswersInTheSameShape() throws Exception {
        openAi.always(FakeOpenAi.json(503, "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"));

        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("gpt-4o-mini", JSON_SCHEMA, false));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("anthropic", response.headers().firstValue("x-caravan-provider").orElseThrow());
        assertEquals(JSON.readTree("{\"name\":\"Paris\"}"), JSON.readTree(JSON.readTree(response.body())
                .path("choices").path(0).path("message").path("content").asText()));
    }
}
