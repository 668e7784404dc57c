package dev.caravan.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.ContentPart;
import dev.caravan.core.GatewayException;
import dev.caravan.core.ThinkingBlock;
import dev.caravan.core.ToolCall;
import dev.caravan.core.ToolChoice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenAiRequestParserTest {

    private static final String USER = "{\"role\":\"user\",\"content\":\"hi\"}";

    private final OpenAiRequestParser parser = new OpenAiRequestParser();

    /** A valid request with {@code extra} JSON members added. */
    private static String with(String extra) {
        return "{\"model\":\"gpt-4o\",\"messages\":[" + USER + "]," + extra + "}";
    }

    /** A valid request whose messages are {@code messages}. */
    private static String messages(String messages) {
        return "{\"model\":\"gpt-4o\",\"messages\":[" + messages + "]}";
    }

    @Test
    void aKeyReadTwiceIsNamedInTheError() {
        GatewayException error = assertThrows(GatewayException.class, () -> parser.parse(bytes(
                messages("{\"role\":\"user\",\"content\":\"a\",\"content\":\"b\"}"))));
        assertEquals("The request body is not valid JSON: the key 'content' appears twice in one object",
                error.getMessage());
    }

    static Stream<Arguments> badBodies() {
        return Stream.of(
                // what, body, param (null: the body as a whole), code
                Arguments.of("an empty body", "", null, "invalid_json"),
                Arguments.of("invalid JSON", "{\"model\":", null, "invalid_json"),
                Arguments.of("text that is not JSON", "model=gpt-4o", null, "invalid_json"),
                Arguments.of("a JSON array", "[" + USER + "]", null, "invalid_json"),
                Arguments.of("a JSON string", "\"hello\"", null, "invalid_json"),
                Arguments.of("a duplicate key", "{\"model\":\"a\",\"model\":\"b\",\"messages\":[" + USER + "]}", null,
                        "invalid_json"),
                Arguments.of("a duplicate key in a message", messages("{\"role\":\"user\",\"content\":\"a\","
                        + "\"content\":\"b\"}"), null, "invalid_json"),
                Arguments.of("trailing garbage", with("\"seed\":1") + " {}", null, "invalid_json"),
                Arguments.of("no model", "{\"messages\":[" + USER + "]}", "model", "invalid_value"),
                Arguments.of("a numeric model", "{\"model\":4,\"messages\":[" + USER + "]}", "model", "invalid_value"),
                Arguments.of("an empty model", "{\"model\":\" \",\"messages\":[" + USER + "]}", "model", "invalid_value"),
                Arguments.of("no messages", "{\"model\":\"gpt-4o\"}", "messages", "invalid_value"),
                Arguments.of("null messages", "{\"model\":\"gpt-4o\",\"messages\":null}", "messages", "invalid_value"),
                Arguments.of("empty messages", "{\"model\":\"gpt-4o\",\"messages\":[]}", "messages", "invalid_value"),
                Arguments.of("messages not an array", "{\"model\":\"gpt-4o\",\"messages\":\"hi\"}", "messages",
                        "invalid_value"),
                Arguments.of("a message that is a string", messages("\"hi\""), "messages[0]", "invalid_value"),
                Arguments.of("a message without a role", messages("{\"content\":\"hi\"}"), "messages[0].role",
                        "invalid_value"),
                Arguments.of("an unknown role", messages("{\"role\":\"wizard\",\"content\":\"hi\"}"),
                        "messages[0].role", "invalid_value"),
                Arguments.of("a user message without content", messages("{\"role\":\"user\"}"),
                        "messages[0].content", "invalid_value"),
                Arguments.of("a user message with no content parts", messages("{\"role\":\"user\",\"content\":[]}"),
                        "messages[0].content", "invalid_value"),
                Arguments.of("content that is a number", messages("{\"role\":\"user\",\"content\":3}"),
                        "messages[0].content", "invalid_value"),
                Arguments.of("a part of unknown type",
                        messages("{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\"}]}"),
                        "messages[0].content[0].type", "invalid_value"),
                Arguments.of("a text part without text",
                        messages("{\"role\":\"user\",\"content\":[{\"type\":\"text\"}]}"),
                        "messages[0].content[0].text", "invalid_value"),
                Arguments.of("an image part without image_url",
                        messages("{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"image_url\"}]}"),
                        "messages[0].content[1].image_url", "invalid_value"),
                Arguments.of("an image part without url",
                        messages("{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},"
                                + "{\"type\":\"image_url\",\"image_url\":{\"detail\":\"low\"}}]}"),
                        "messages[0].content[1].image_url.url", "invalid_value"),
                Arguments.of("a tool message without tool_call_id",
                        messages(USER + ",{\"role\":\"tool\",\"content\":\"31C\"}"),
                        "messages[1].tool_call_id", "invalid_value"),
                Arguments.of("a message name that is a number", messages("{\"role\":\"user\",\"content\":\"hi\",\"name\":7}"),
                        "messages[0].name", "invalid_value"),
                Arguments.of("tool_calls that are not an array",
                        messages(USER + ",{\"role\":\"assistant\",\"tool_calls\":{}}"),
                        "messages[1].tool_calls", "invalid_value"),
                Arguments.of("a tool call without function",
                        messages(USER + ",{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\"}]}"),
                        "messages[1].tool_calls[0]", "invalid_value"),
                Arguments.of("a tool call without id",
                        messages(USER + ",{\"role\":\"assistant\",\"tool_calls\":[{\"type\":\"function\","
                                + "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}"),
                        "messages[1].tool_calls[0].id", "invalid_value"),
                Arguments.of("an assistant message with neither content nor tool calls",
                        messages(USER + ",{\"role\":\"assistant\",\"content\":null}"),
                        "messages[1].content", "invalid_value"),
                Arguments.of("max_tokens 0", with("\"max_tokens\":0"), "max_tokens", "invalid_value"),
                Arguments.of("max_tokens -1", with("\"max_tokens\":-1"), "max_tokens", "invalid_value"),
                Arguments.of("max_tokens 1.5", with("\"max_tokens\":1.5"), "max_tokens", "invalid_value"),
                Arguments.of("max_tokens as a string", with("\"max_tokens\":\"100\""), "max_tokens", "invalid_value"),
                Arguments.of("max_tokens beyond an int", with("\"max_tokens\":3000000000"), "max_tokens",
                        "invalid_value"),
                Arguments.of("max_completion_tokens 0", with("\"max_completion_tokens\":0"), "max_completion_tokens",
                        "invalid_value"),
                Arguments.of("temperature as a string", with("\"temperature\":\"0.5\""), "temperature",
                        "invalid_value"),
                Arguments.of("temperature 2.5", with("\"temperature\":2.5"), "temperature", "invalid_value"),
                Arguments.of("temperature -0.1", with("\"temperature\":-0.1"), "temperature", "invalid_value"),
                Arguments.of("top_p 1.2", with("\"top_p\":1.2"), "top_p", "invalid_value"),
                Arguments.of("n 2", with("\"n\":2"), "n", "invalid_value"),
                Arguments.of("n 0", with("\"n\":0"), "n", "invalid_value"),
                Arguments.of("stream as a string", with("\"stream\":\"true\""), "stream", "invalid_value"),
                Arguments.of("stream_options that is not an object", with("\"stream\":true,\"stream_options\":true"),
                        "stream_options", "invalid_value"),
                Arguments.of("include_usage as a string",
                        with("\"stream\":true,\"stream_options\":{\"include_usage\":\"yes\"}"),
                        "stream_options.include_usage", "invalid_value"),
                Arguments.of("stop with 5 entries", with("\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]"), "stop",
                        "invalid_value"),
                Arguments.of("stop with a number", with("\"stop\":[\"a\",1]"), "stop", "invalid_value"),
                Arguments.of("stop as a number", with("\"stop\":1"), "stop", "invalid_value"),
                Arguments.of("tools that are not an array", with("\"tools\":{}"), "tools", "invalid_value"),
                Arguments.of("a tool that is not a function", with("\"tools\":[{\"type\":\"file_search\"}]"),
                        "tools[0]", "invalid_value"),
                Arguments.of("a tool without a name",
                        with("\"tools\":[{\"type\":\"function\",\"function\":{\"description\":\"d\"}}]"),
                        "tools[0].function.name", "invalid_value"),
                Arguments.of("tool parameters that are not a schema",
                        with("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":\"x\"}}]"),
                        "tools[0].function.parameters", "invalid_value"),
                Arguments.of("an unknown tool_choice", with("\"tool_choice\":\"sometimes\""), "tool_choice",
                        "invalid_value"),
                Arguments.of("a tool_choice without a function name", with("\"tool_choice\":{\"type\":\"function\"}"),
                        "tool_choice", "invalid_value"),
                Arguments.of("a numeric tool_choice", with("\"tool_choice\":1"), "tool_choice", "invalid_value"),
                Arguments.of("a numeric user", with("\"user\":42"), "user", "invalid_value"),
                Arguments.of("a reasoning_effort OpenAI does not take", with("\"reasoning_effort\":\"maximum\""),
                        "reasoning_effort", "invalid_value"),
                Arguments.of("a numeric reasoning_effort", with("\"reasoning_effort\":2"), "reasoning_effort",
                        "invalid_value"),
                Arguments.of("thinking_blocks that are not an array",
                        messages(USER + ",{\"role\":\"assistant\",\"content\":\"ok\",\"thinking_blocks\":{}}"),
                        "messages[1].thinking_blocks", "invalid_value"),
                Arguments.of("a thinking block without its signature",
                        messages(USER + ",{\"role\":\"assistant\",\"content\":\"ok\",\"thinking_blocks\":"
                                + "[{\"type\":\"thinking\",\"thinking\":\"hmm\"}]}"),
                        "messages[1].thinking_blocks[0].signature", "invalid_value"),
                Arguments.of("a redacted thinking block without its data",
                        messages(USER + ",{\"role\":\"assistant\",\"content\":\"ok\",\"thinking_blocks\":"
                                + "[{\"type\":\"redacted_thinking\"}]}"),
                        "messages[1].thinking_blocks[0].data", "invalid_value"),
                Arguments.of("a thinking block of an unknown type",
                        messages(USER + ",{\"role\":\"assistant\",\"content\":\"ok\",\"thinking_blocks\":"
                                + "[{\"type\":\"musing\"}]}"),
                        "messages[1].thinking_blocks[0].type", "invalid_value"));
    }

    @ParameterizedTest(name = "{0} is a 400 on {2}")
    @MethodSource("badBodies")
    void rejectsABadBodyNamingTheParameter(String what, String body, String param, String code) {
        GatewayException error = assertThrows(GatewayException.class, () -> parser.parse(bytes(body)));

        assertEquals(400, error.status());
        assertEquals("invalid_request_error", error.type());
        assertEquals(code, error.code());
        assertEquals(param, error.param());
        assertFalse(error.retryable());
        assertFalse(error.getMessage().isBlank());
    }

    @Test
    void parsesAFullRequestWithPartsToolCallsAndToolResults() throws IOException {
        byte[] body;
        try (InputStream in = getClass().getResourceAsStream("/fixtures/openai/request-stream-with-extras.json")) {
            body = in.readAllBytes();
        }

        ChatRequest request = parser.parse(body);

        assertEquals("smart", request.model());
        assertEquals(List.of(
                ChatMessage.of("developer", "Answer in JSON."),
                new ChatMessage("user", List.of(
                        ContentPart.text("What is in this picture, and what is the weather there?"),
                        ContentPart.image("https://example.com/souk.jpg")), List.of(), null, null),
                new ChatMessage("assistant", List.of(), List.of(new ToolCall("call_9XkQ2mVbT4rLp7sNw1YhC3dE",
                        "get_weather", "{\"city\":\"Marrakesh\"}")), null, null),
                new ChatMessage("tool", List.of(ContentPart.text("{\"celsius\":31}")), List.of(),
                        "call_9XkQ2mVbT4rLp7sNw1YhC3dE", null)), request.messages());
        assertTrue(request.messages().get(0).isSystem());
        assertEquals(512, request.maxTokens());
        assertEquals(0.2, request.temperature());
        assertEquals(0.9, request.topP());
        assertEquals(List.of(), request.stop());
        assertTrue(request.stream());
        assertFalse(request.includeUsage());
        assertEquals(1, request.tools().size());
        assertEquals("get_weather", request.tools().get(0).name());
        assertEquals("Current weather in a city", request.tools().get(0).description());
        assertEquals(Json.MAPPER.readTree("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
                + "\"required\":[\"city\"],\"additionalProperties\":false}"), request.tools().get(0).parameters());
        assertEquals(ToolChoice.AUTO, request.toolChoice());
        assertEquals("user-7f3a", request.user());
        assertEquals(Json.MAPPER.readTree(body), request.original());
        assertEquals("What is in this picture, and what is the weather there?", request.lastUserText());
    }

    static Stream<Arguments> toolChoices() {
        return Stream.of(Arguments.of("\"auto\"", ToolChoice.AUTO), Arguments.of("\"none\"", ToolChoice.NONE),
                Arguments.of("\"required\"", ToolChoice.REQUIRED),
                Arguments.of("{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}",
                        ToolChoice.function("get_weather")),
                Arguments.of("null", null));
    }

    @ParameterizedTest(name = "tool_choice {0}")
    @MethodSource("toolChoices")
    void readsEveryToolChoiceForm(String json, ToolChoice expected) {
        assertEquals(expected, parser.parse(bytes(with("\"tool_choice\":" + json))).toolChoice());
    }

    static Stream<Arguments> maxTokens() {
        return Stream.of(Arguments.of("\"max_completion_tokens\":100,\"max_tokens\":50", 100),
                Arguments.of("\"max_tokens\":50,\"max_completion_tokens\":100", 100),
                Arguments.of("\"max_tokens\":50", 50), Arguments.of("\"max_completion_tokens\":7", 7),
                Arguments.of("\"max_tokens\":null", null), Arguments.of("\"seed\":1", null));
    }

    @ParameterizedTest(name = "{0} -> max tokens {1}")
    @MethodSource("maxTokens")
    void prefersMaxCompletionTokensOverMaxTokens(String fields, Integer expected) {
        assertEquals(expected, parser.parse(bytes(with(fields))).maxTokens());
    }

    @Test
    void readsStopAsOneStringOrUpToFour() {
        assertEquals(List.of("END"), parser.parse(bytes(with("\"stop\":\"END\""))).stop());
        assertEquals(List.of("a", "b", "c", "d"), parser.parse(bytes(with("\"stop\":[\"a\",\"b\",\"c\",\"d\"]"))).stop());
        assertEquals(List.of(), parser.parse(bytes(with("\"stop\":null"))).stop());
    }

    @Test
    void readsTheEdgesOfEveryRange() {
        ChatRequest low = parser.parse(bytes(with("\"temperature\":0,\"top_p\":0,\"n\":1,\"max_tokens\":1")));
        ChatRequest high = parser.parse(bytes(with("\"temperature\":2,\"top_p\":1")));

        assertEquals(0.0, low.temperature());
        assertEquals(0.0, low.topP());
        assertEquals(1, low.maxTokens());
        assertEquals(2.0, high.temperature());
        assertEquals(1.0, high.topP());
    }

    @Test
    void readsStreamOptionsIncludeUsage() {
        assertTrue(parser.parse(bytes(with("\"stream\":true,\"stream_options\":{\"include_usage\":true}")))
                .includeUsage());
        assertFalse(parser.parse(bytes(with("\"stream\":true,\"stream_options\":null"))).includeUsage());
        assertFalse(parser.parse(bytes(with("\"stream\":true"))).includeUsage());
    }

    @Test
    void aToolCallWithoutArgumentsHasEmptyObjectArguments() {
        ChatRequest request = parser.parse(bytes(messages(USER + ",{\"role\":\"assistant\",\"content\":\"\","
                + "\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"now\"}}]}")));

        assertEquals(List.of(new ToolCall("call_1", "now", "{}")), request.messages().get(1).toolCalls());
        assertEquals("", request.messages().get(1).text());
    }

    @Test
    void keepsTheCallersBodyAsTheOriginalAndANameOnAMessage() {
        ChatRequest request = parser.parse(bytes(messages("{\"role\":\"user\",\"content\":\"hi\",\"name\":\"ana\"}")));

        JsonNode original = request.original();
        assertEquals("gpt-4o", original.get("model").asText());
        assertEquals("ana", request.messages().get(0).name());
        assertNull(request.user());
        assertSame(original, request.original());
    }

    private static final String MARK = ",\"cache_control\":{\"type\":\"ephemeral\"}";
    private static final String MARK_5M = ",\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"5m\"}";
    private static final String MARK_1H = ",\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}";
    private static final String CALL = "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\","
            + "\"type\":\"function\",\"function\":{\"name\":\"t0\",\"arguments\":\"{}\"}}]}";

    private static String text(String text, String mark) {
        return "{\"type\":\"text\",\"text\":\"" + text + "\"" + mark + "}";
    }

    /** A request of {@code messages} offering {@code tools} tools, each marked with {@code mark}. */
    private static String markedTools(int tools, String mark, String messages) {
        StringBuilder offered = new StringBuilder();
        for (int i = 0; i < tools; i++) {
            offered.append(i == 0 ? "" : ",").append("{\"type\":\"function\",\"function\":{\"name\":\"t")
                    .append(i).append("\"}").append(mark).append('}');
        }
        return "{\"model\":\"claude-sonnet-4-20250514\",\"tools\":[" + offered + "],\"messages\":[" + messages
                + "]}";
    }

    static Stream<Arguments> markedMessages() {
        return Stream.of(
                // what, messages, the breakpoints they make as sent
                Arguments.of("a message's marker on its last part's block", "{\"role\":\"user\",\"content\":["
                        + text("a", MARK) + "," + text("b", MARK) + "]" + MARK + "}", 2),
                Arguments.of("a message's marker on an unmarked last part", "{\"role\":\"user\",\"content\":["
                        + text("a", MARK) + "," + text("b", "") + "]" + MARK + "}", 2),
                Arguments.of("a message's marker after a part of a no-break space, which is no block",
                        "{\"role\":\"user\",\"content\":[" + text("a", "") + "," + text("b", MARK) + ","
                        + text("\\u00a0", MARK) + "]" + MARK + "}", 1),
                Arguments.of("a system message's marker after an image, which is not sent",
                        "{\"role\":\"system\",\"content\":[" + text("a", MARK) + ",{\"type\":\"image_url\","
                        + "\"image_url\":{\"url\":\"https://example.com/a.png\"}" + MARK + "}]" + MARK + "},"
                        + "{\"role\":\"user\",\"content\":\"hi\"}", 1),
                Arguments.of("a tool message, which is one block", "{\"role\":\"user\",\"content\":\"hi\"}," + CALL
                        + ",{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":[" + text("a", MARK) + ","
                        + text("b", MARK) + "]" + MARK + "}", 1),
                Arguments.of("an assistant message's marker on its tool call, after its text",
                        "{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":["
                        + text("a", MARK) + "]" + MARK + ",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"t0\",\"arguments\":\"{}\"}}]},{\"role\":\"tool\","
                        + "\"tool_call_id\":\"c1\",\"content\":\"ok\"}", 2),
                Arguments.of("a message of blank text alone, which is not sent", "{\"role\":\"user\",\"content\":"
                        + "\"hi\"},{\"role\":\"user\",\"content\":\" \"" + MARK + "}", 0));
    }

    @ParameterizedTest(name = "{0}: {2} breakpoint(s)")
    @MethodSource("markedMessages")
    void countsTheBreakpointsAsTheProviderReceivesThemAgainstTheFourItTakes(String what, String messages,
                                                                           int breakpoints) {
        assertTrue(parser.parse(bytes(markedTools(4 - breakpoints, MARK, messages))).cacheBreakpoints());

        GatewayException error = assertThrows(GatewayException.class,
                () -> parser.parse(bytes(markedTools(5 - breakpoints, MARK, messages))));
        assertEquals(400, error.status());
        assertTrue(error.getMessage().contains("at most 4 cache_control breakpoints"), error.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a message and its last part | {\"role\":\"user\",\"content\":[PART]MESSAGE}"
                    + " | messages[0].cache_control | messages[0].content[0].cache_control",
            "a tool message and its part | {\"role\":\"user\",\"content\":\"hi\"},CALL,{\"role\":\"tool\","
                    + "\"tool_call_id\":\"c1\",\"content\":[PART]MESSAGE}"
                    + " | messages[2].cache_control | messages[2].content[0].cache_control"})
    void twoMarkersOnOneBlockAskingForDifferentTtlsAre400NamingBoth(String what, String messages, String param,
                                                                   String other) {
        for (String[] ttls : List.of(new String[] {MARK_1H, MARK}, new String[] {MARK_5M, MARK_1H})) {
            String body = markedTools(0, "", messages.replace("CALL", CALL)
                    .replace("PART", text("a", ttls[0])).replace("MESSAGE", ttls[1]));

            GatewayException error = assertThrows(GatewayException.class, () -> parser.parse(bytes(body)));

            assertEquals(400, error.status());
            assertEquals("invalid_request_error", error.type());
            assertEquals(param, error.param());
            assertTrue(error.getMessage().contains("'" + other + "'") && error.getMessage().contains("same block"),
                    error.getMessage());
        }
        String sameTtl = markedTools(0, "", messages.replace("CALL", CALL).replace("PART", text("a", MARK_5M))
                .replace("MESSAGE", MARK));
        assertTrue(parser.parse(bytes(sameTtl)).cacheBreakpoints(), "5m is the default: one ttl");
    }

    static Stream<Arguments> ttlOrders() {
        String user5m = "{\"role\":\"user\",\"content\":\"a\"" + MARK + "}";
        String user1h = "{\"role\":\"user\",\"content\":\"a\"" + MARK_1H + "}";
        String system1h = "{\"role\":\"system\",\"content\":[" + text("s", MARK_1H) + "]}";
        return Stream.of(
                // what, tools' mark, messages, the marker named (null: accepted)
                Arguments.of("an hour's tool, system and message before 5 minutes'", MARK_1H,
                        system1h + "," + user1h + ",{\"role\":\"assistant\",\"content\":\"b\"" + MARK_5M + "}",
                        null),
                Arguments.of("a message for an hour after one for 5 minutes", "",
                        user5m + ",{\"role\":\"assistant\",\"content\":\"b\"},{\"role\":\"user\",\"content\":["
                                + text("c", MARK_1H) + "]}", "messages[2].content[0].cache_control"),
                Arguments.of("an explicit 5m before an hour", "", "{\"role\":\"user\",\"content\":\"a\""
                        + MARK_5M + "}," + "{\"role\":\"assistant\",\"content\":\"b\"" + MARK_1H + "}",
                        "messages[1].cache_control"),
                Arguments.of("a system message for an hour after tools for 5 minutes", MARK, system1h + "," + user5m,
                        "messages[0].content[0].cache_control"),
                Arguments.of("a message for an hour after tools for 5 minutes, though listed first", MARK, user1h,
                        "messages[0].cache_control"),
                Arguments.of("a system message listed after a message is before it in the prompt", "",
                        user5m + "," + system1h, null),
                Arguments.of("a marker on a no-break space is sent nowhere, so it is before nothing", "",
                        "{\"role\":\"user\",\"content\":[" + text("\\u00a0", MARK) + "," + text("a", MARK_1H) + "]}",
                        null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ttlOrders")
    void aBreakpointForAnHourAfterOneForFiveMinutesInThePromptsOrderIs400NamingIt(String what, String toolMark,
                                                                                  String messages, String param) {
        String body = markedTools(1, toolMark, messages);
        if (param == null) {
            assertTrue(parser.parse(bytes(body)).cacheBreakpoints());
            return;
        }
        GatewayException error = assertThrows(GatewayException.class, () -> parser.parse(bytes(body)));

        assertEquals(400, error.status());
        assertEquals("invalid_request_error", error.type());
        assertEquals(param, error.param());
        assertTrue(error.getMessage().contains("must come before"), error.getMessage());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "minimal", "low", "medium", "high", "xhigh"})
    void takesEveryReasoningEffortOpenAiTakes(String effort) {
        ChatRequest request = parser.parse(bytes(with("\"reasoning_effort\":\"" + effort + "\"")));

        assertEquals(effort, request.original().get("reasoning_effort").asText());
    }

    @Test
    void readsAnAssistantTurnsThinkingBlocksAsTheCallerGotThem() {
        ChatRequest request = parser.parse(bytes(messages(USER + ",{\"role\":\"assistant\",\"content\":\"4\","
                + "\"thinking_blocks\":[{\"type\":\"thinking\",\"thinking\":\"2+2\",\"signature\":\"EqQB\"},"
                + "{\"type\":\"redacted_thinking\",\"data\":\"EmwK\"}]}")));

        assertEquals(List.of(ThinkingBlock.thinking("2+2", "EqQB"), ThinkingBlock.redacted("EmwK")),
                request.messages().get(1).thinking());
    }
}
