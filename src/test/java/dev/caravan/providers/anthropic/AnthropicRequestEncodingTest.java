package dev.caravan.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.api.OpenAiRequestParser;
import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.ContentPart;
import dev.caravan.core.GatewayException;
import dev.caravan.core.ToolCall;
import dev.caravan.core.ToolChoice;
import dev.caravan.core.ToolDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static dev.caravan.providers.anthropic.AnthropicFixtures.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnthropicRequestEncodingTest {

    private static final String PARIS_CALL = "toolu_01A09q90qw90lq917835lq9";
    private static final String LONDON_CALL = "toolu_01B7h2sVdyKpYAbwfm3u2x5r";

    private final AnthropicCodec codec = new AnthropicCodec(model -> model.contains("haiku") ? 4096 : 8192);

    static Stream<Arguments> recordedRequests() {
        return Stream.of(
                Arguments.of("sends a plain user turn with the model's default max_tokens", "plain.json",
                        "claude-3-5-haiku-20241022", request(List.of(user("Hello, Claude")))),
                Arguments.of("hoists system and developer messages into top-level system", "system-and-developer.json",
                        "claude-sonnet-4-20250514", withMaxTokens(1024, request(List.of(
                                ChatMessage.of("system", "You are a terse assistant."),
                                ChatMessage.of("developer", "Answer in French."),
                                user("What is the capital of Italy?"))))),
                Arguments.of("merges consecutive turns of the same role", "same-role-merge.json",
                        "claude-sonnet-4-20250514", request(List.of(
                                user("Here is a list: apples, pears."),
                                ChatMessage.of("system", "Be brief."),
                                user("And another: plums."),
                                ChatMessage.of("assistant", "Noted."),
                                ChatMessage.of("assistant", "Anything else?"),
                                user("Count the fruits.")))),
                Arguments.of("sends tool calls as tool_use and tool answers as tool_result blocks",
                        "tool-round-trip.json", "claude-sonnet-4-20250514", toolRoundTrip()),
                Arguments.of("sends data URLs as base64 images and web URLs as url images", "images.json",
                        "claude-sonnet-4-20250514", request(List.of(new ChatMessage("user", List.of(
                                ContentPart.text("Compare these two images."),
                                ContentPart.image("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ"
                                        + "AAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="),
                                ContentPart.image("https://upload.wikimedia.org/wikipedia/commons/a/a7/"
                                        + "Camponotus_flavomarginatus_ant.jpg")), null, null, null)))),
                Arguments.of("sends the temperature (not top_p beside it), stop sequences and the user as metadata",
                        "sampling-stop-and-user.json",
                        "claude-3-5-haiku-20241022", new ChatRequest("claude-3-5-haiku",
                                List.of(user("List three colours, then write END.")), 256, 0.2, 0.9,
                                List.of("END", "###"), false, false, null, null, "user-4242", null)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recordedRequests")
    void encodesEachRequestExactlyAsTheRecordedWireSample(String sentence, String fixture, String upstreamModel,
                                                          ChatRequest request) {
        assertEquals(json("requests/" + fixture), json(codec.encodeRequest(request, upstreamModel)));
    }

    @ParameterizedTest(name = "tool_choice {0} becomes {2}")
    @CsvSource(delimiter = '|', value = {
            "auto     |             | {\"type\":\"auto\"}",
            "required |             | {\"type\":\"any\"}",
            "none     |             | {\"type\":\"none\"}",
            "function | get_weather | {\"type\":\"tool\",\"name\":\"get_weather\"}"})
    void mapsEachToolChoiceToAnthropicsForm(String mode, String function, String expected) {
        ChatRequest request = new ChatRequest("m", List.of(user("hi")), 10, null, null, null, false, false,
                List.of(new ToolDefinition("get_weather", null, null)), new ToolChoice(mode, function), null, null);

        assertEquals(AnthropicFixtures.json(expected.getBytes()), encode(request).get("tool_choice"));
    }

    @ParameterizedTest(name = "parallel_tool_calls false with tool_choice {0} becomes {1}")
    @CsvSource(delimiter = '|', value = {
            "         | {\"type\":\"auto\",\"disable_parallel_tool_use\":true}",
            "auto     | {\"type\":\"auto\",\"disable_parallel_tool_use\":true}",
            "required | {\"type\":\"any\",\"disable_parallel_tool_use\":true}",
            "none     | {\"type\":\"none\"}"})
    void askingForOneToolCallAtATimeDisablesParallelToolUse(String mode, String expected) throws Exception {
        ChatRequest request = new ChatRequest("m", List.of(user("hi")), 10, null, null, null, false, false,
                List.of(new ToolDefinition("get_weather", null, null)), mode == null ? null : new ToolChoice(mode, null),
                null, (ObjectNode) AnthropicFixtures.JSON.readTree("{\"parallel_tool_calls\":false}"));

        assertEquals(AnthropicFixtures.json(expected.getBytes()), encode(request).get("tool_choice"));
    }

    @ParameterizedTest(name = "arguments [{0}] become an empty input object")
    @ValueSource(strings = {"", "   "})
    void sendsEmptyInputWhenToolCallArgumentsAreEmpty(String arguments) {
        JsonNode toolUse = encode(withToolCallArguments(arguments)).get("messages").get(1).get("content").get(0);

        assertEquals("tool_use", toolUse.get("type").asText());
        assertEquals(AnthropicFixtures.JSON.createObjectNode(), toolUse.get("input"));
    }

    /** The caller's history is never rewritten: arguments that are no JSON object are not sent as {}. */
    @ParameterizedTest(name = "arguments [{0}] are a 400")
    @ValueSource(strings = {"not json", "[1,2]", "{\"city\": \"Par", "\"Paris\""})
    void refusesToolCallArgumentsThatAreNoJsonObject(String arguments) {
        GatewayException error = assertThrows(GatewayException.class, () -> encode(withToolCallArguments(arguments)));

        assertEquals(400, error.status());
        assertEquals("messages", error.param());
        assertTrue(error.getMessage().contains("toolu_1"), error.getMessage());
    }

    private static ChatRequest withToolCallArguments(String arguments) {
        return offeringWeather(List.of(user("weather?"),
                new ChatMessage("assistant", List.of(), List.of(new ToolCall("toolu_1", "get_weather", arguments)),
                        null, null)));
    }

    @Test
    void putsToolResultsBeforeTextWhenAUserTurnPrecedesTheToolAnswer() {
        ChatRequest request = offeringWeather(List.of(user("weather?"),
                new ChatMessage("assistant", List.of(ContentPart.text("Checking.")),
                        List.of(new ToolCall(PARIS_CALL, "get_weather", "{\"city\":\"Paris\"}")), null, null),
                user("Use celsius."),
                new ChatMessage("tool", List.of(ContentPart.text("18 degrees")), null, PARIS_CALL, null)));

        JsonNode messages = encode(request).get("messages");

        assertEquals(3, messages.size());
        assertEquals("text", messages.get(1).get("content").get(0).get("type").asText());
        JsonNode answer = messages.get(2).get("content");
        assertEquals("tool_result", answer.get(0).get("type").asText());
        assertEquals(PARIS_CALL, answer.get(0).get("tool_use_id").asText());
        assertEquals("Use celsius.", answer.get(1).get("text").asText());
    }

    @Test
    void leavesOutBlankTextAndTheTurnsLeftEmptyWhichAnthropicRefuses() {
        // an assistant turn of "" is what the gateway itself renders for an empty answer; SDKs send it back as is
        ChatRequest request = request(List.of(user("Hello"), ChatMessage.of("assistant", ""),
                user("Are you there?"), ChatMessage.of("assistant", " \n"),
                new ChatMessage("user", List.of(ContentPart.text(""), ContentPart.text("And now?")), null, null, null)));

        JsonNode messages = encode(request).get("messages");

        assertEquals(1, messages.size(), messages.toString());
        assertEquals("user", messages.get(0).get("role").asText());
        assertEquals(List.of("Hello", "Are you there?", "And now?"), texts(messages.get(0).get("content")));
    }

    private static List<String> texts(JsonNode blocks) {
        List<String> texts = new java.util.ArrayList<>();
        blocks.forEach(block -> texts.add(block.path("text").asText(block.path("type").asText())));
        return texts;
    }

    @Test
    void leavesOutWhitespaceOnlyStopSequencesWhichAnthropicRefuses() {
        ChatRequest mixed = new ChatRequest("m", List.of(user("hi")), 10, null, null, List.of("\n", "END", " \t",
                "\u00a0", "\n\nHuman:"), false, false, null, null, null, null);
        ChatRequest onlyWhitespace = new ChatRequest("m", List.of(user("hi")), 10, null, null, List.of("\n", "\r\n"),
                false, false, null, null, null, null);

        assertEquals("[\"END\",\"\\n\\nHuman:\"]", encode(mixed).get("stop_sequences").toString());
        assertEquals(null, encode(onlyWhitespace).get("stop_sequences"));
    }

    @Test
    void aTemperatureAboveOneOnOpenAisScaleIsSentAsOneTheMostAnthropicTakes() {
        ChatRequest request = new ChatRequest("m", List.of(user("hi")), 10, 1.7, null, null, false, false, null,
                null, null, null);

        assertEquals(1.0, encode(request).get("temperature").asDouble());
    }

    @Test
    void sendsTemperatureAloneWhenTopPIsAlsoSetSinceNewerModelsRefuseBoth() {
        ChatRequest both = new ChatRequest("m", List.of(user("hi")), 10, 0.7, 1.0, null, false, false, null, null,
                null, null);
        ChatRequest topPAlone = new ChatRequest("m", List.of(user("hi")), 10, null, 0.9, null, false, false, null,
                null, null, null);

        JsonNode sent = json(codec.encodeRequest(both, "claude-sonnet-4-5-20250929"));

        assertEquals(0.7, sent.get("temperature").asDouble());
        assertEquals(null, sent.get("top_p"));
        assertEquals(0.9, encode(topPAlone).get("top_p").asDouble());
    }

    @Test
    void leavesSystemOutWhenThereIsNoSystemMessage() {
        assertEquals(null, encode(request(List.of(user("hi")))).get("system"));
    }

    @Test
    void leavesToolChoiceOutWhenNoToolsAreOffered() {
        ChatRequest request = new ChatRequest("m", List.of(user("hi")), 10, null, null, null, false, false, null,
                ToolChoice.NONE, null, null);

        assertEquals(null, encode(request).get("tool_choice"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"data:image/jpg;base64,/9j/4AAQ", "data:IMAGE/JPEG;base64,/9j/4AAQ"})
    void sendsAJpegDataUrlAsImageJpegTheOnlyJpegTypeAnthropicTakes(String url) {
        ChatRequest request = request(List.of(new ChatMessage("user", List.of(ContentPart.image(url)), null, null,
                null)));

        JsonNode source = encode(request).get("messages").get(0).get("content").get(0).get("source");

        assertEquals("image/jpeg", source.get("media_type").asText());
        assertEquals("/9j/4AAQ", source.get("data").asText());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"data:image/png,not-base64", "ftp://example.com/cat.png", "file:///etc/passwd"})
    void rejectsImageUrlsAnthropicCannotFetch(String url) {
        ChatRequest request = request(List.of(new ChatMessage("user", List.of(ContentPart.image(url)), null, null,
                null)));

        GatewayException error = assertThrows(GatewayException.class, () -> encode(request));

        assertEquals(400, error.status());
        assertEquals("messages", error.param());
    }

    @Test
    void aMessagesMarkerOnTheBlockItsLastPartMarksIsOneCacheControl_andAToolMessagesMarkersTooAreOne() {
        ChatRequest request = new OpenAiRequestParser().parse(("{\"model\":\"m\",\"tools\":[{\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\"}}],\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"Read this.\",\"cache_control\":{\"type\":\"ephemeral\","
                + "\"ttl\":\"1h\"}},{\"type\":\"text\",\"text\":\"\\u00a0\",\"cache_control\":{\"type\":"
                + "\"ephemeral\"}}],\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"" + PARIS_CALL + "\","
                + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"" + PARIS_CALL + "\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"18 C\",\"cache_control\":{\"type\":\"ephemeral\"}}],\"cache_control\":"
                + "{\"type\":\"ephemeral\",\"ttl\":\"5m\"}}]}").getBytes(java.nio.charset.StandardCharsets.UTF_8));

        JsonNode messages = encode(request).get("messages");

        assertEquals(json(("[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Read this.\","
                + "\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}]},{\"role\":\"assistant\","
                + "\"content\":[{\"type\":\"tool_use\",\"id\":\"" + PARIS_CALL + "\",\"name\":\"get_weather\","
                + "\"input\":{}}]},{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\""
                + PARIS_CALL + "\",\"content\":\"18 C\",\"cache_control\":{\"type\":\"ephemeral\","
                + "\"ttl\":\"5m\"}}]}]").getBytes()), messages);
    }

    private JsonNode encode(ChatRequest request) {
        return json(codec.encodeRequest(request, "claude-sonnet-4-20250514"));
    }

    private static ChatRequest toolRoundTrip() {
        JsonNode weatherSchema = AnthropicFixtures.json(("{\"type\":\"object\",\"properties\":{\"city\":"
                + "{\"type\":\"string\",\"description\":\"The city, e.g. Paris\"}},\"required\":[\"city\"]}").getBytes());
        List<ChatMessage> messages = List.of(
                user("Is it warmer in Paris or in London right now?"),
                new ChatMessage("assistant", List.of(ContentPart.text("")), List.of(
                        new ToolCall(PARIS_CALL, "get_weather", "{\"city\":\"Paris\"}"),
                        new ToolCall(LONDON_CALL, "get_weather", "{\"city\": \"London\"}")), null, null),
                new ChatMessage("tool", List.of(ContentPart.text("18 degrees, sunny")), null, PARIS_CALL, null),
                new ChatMessage("tool", List.of(ContentPart.text("12 degrees, light rain")), null, LONDON_CALL, null),
                user("Answer in one sentence."));
        List<ToolDefinition> tools = List.of(
                new ToolDefinition("get_weather", "Get the current weather in a given city", weatherSchema),
                new ToolDefinition("get_time", null, null));
        return new ChatRequest("claude-sonnet-4", messages, null, null, null, null, true, true, tools,
                ToolChoice.AUTO, null, null);
    }

    private static ChatRequest request(List<ChatMessage> messages) {
        return new ChatRequest("claude", messages, null, null, null, null, false, false, null, null, null, null);
    }

    /** Anthropic refuses tool blocks in a request that defines no tools. */
    private static ChatRequest offeringWeather(List<ChatMessage> messages) {
        return new ChatRequest("claude", messages, null, null, null, null, false, false,
                List.of(new ToolDefinition("get_weather", null, null)), null, null, null);
    }

    private static ChatRequest withMaxTokens(int maxTokens, ChatRequest request) {
        return new ChatRequest(request.model(), request.messages(), maxTokens, null, null, null, false, false, null,
                null, null, null);
    }

    private static ChatMessage user(String text) {
        return ChatMessage.of("user", text);
    }

    /** The OpenAI-shaped body as the gateway's parser reads it (reasoning_effort is read from the caller's JSON). */
    private static ChatRequest parsed(String openAiBody) {
        return new OpenAiRequestParser().parse(openAiBody.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0} with max_tokens {1} on {2}: budget {3}, max_tokens {4}")
    @CsvSource({
            "minimal, 500,  claude-sonnet-4-20250514,  1024, 1524",
            "low,     1000, claude-sonnet-4-20250514,  1024, 2024",
            "medium,  ,     claude-sonnet-4-20250514,  2048, 8192",
            "high,    ,     claude-3-5-haiku-20241022, 4096, 8192",
            "xhigh,   ,     claude-sonnet-4-20250514,  8192, 16384"})
    void sendsReasoningEffortAsAThinkingBudgetWithTheCallersMaxTokensOnTopOfIt(String effort, Integer maxTokens,
                                                                               String model, int budget, int sent) {
        JsonNode body = json(codec.encodeRequest(parsed("{\"model\":\"" + model + "\",\"reasoning_effort\":\""
                + effort + "\"," + (maxTokens == null ? "" : "\"max_tokens\":" + maxTokens + ",")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"27 * 453?\"}]}"), model));

        assertEquals("{\"type\":\"enabled\",\"budget_tokens\":" + budget + "}", body.get("thinking").toString());
        assertEquals(sent, body.get("max_tokens").asInt());
    }

    @ParameterizedTest(name = "{0} with max_tokens {1} on {2}: adaptive at {3}, max_tokens {4}")
    @CsvSource({
            "minimal, 500,  claude-opus-4-6,       low,    1524",
            "low,     ,     claude-sonnet-4-6,     low,    8192",
            "medium,  1000, claude-opus-4-7,       medium, 3048",
            "high,    ,     claude-opus-4-6,       high,   8192",
            "xhigh,   ,     claude-opus-4-6,       max,    16384",
            "xhigh,   300,  claude-sonnet-4-6,     max,    8492",
            "xhigh,   ,     claude-opus-4-7,       xhigh,  16384",
            "high,    ,     claude-mythos-preview, high,   8192"})
    void sendsReasoningEffortToClaude46AndLaterAsAdaptiveThinkingWithTheBudgetsMaxTokens(String effort,
            Integer maxTokens, String model, String sentEffort, int sent) {
        JsonNode body = json(codec.encodeRequest(parsed("{\"model\":\"" + model + "\",\"reasoning_effort\":\""
                + effort + "\"," + (maxTokens == null ? "" : "\"max_tokens\":" + maxTokens + ",")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"27 * 453?\"}]}"), model));

        // Opus 4.7 and later, and Mythos, leave their thinking text out unless asked to show it summarized
        assertEquals(model.matches("claude-(opus-4-7|mythos-preview)")
                ? "{\"type\":\"adaptive\",\"display\":\"summarized\"}" : "{\"type\":\"adaptive\"}",
                body.get("thinking").toString());
        assertEquals("{\"effort\":\"" + sentEffort + "\"}", body.get("output_config").toString());
        assertEquals(sent, body.get("max_tokens").asInt(), "the effort's nominal budget plus the answer's allowance");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "                              | claude-sonnet-4-20250514",
            "\"reasoning_effort\":\"none\", | claude-sonnet-4-20250514",
            "                              | claude-opus-4-6",
            "\"reasoning_effort\":\"none\", | claude-opus-4-7"})
    void sendsNoThinkingWithoutReasoningEffortOrWithNone(String effort, String model) {
        JsonNode body = json(codec.encodeRequest(parsed("{\"model\":\"" + model + "\"," + (effort == null ? "" : effort)
                + "\"max_tokens\":300,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), model));

        assertEquals(null, body.get("thinking"));
        assertEquals(null, body.get("output_config"));
        assertEquals(300, body.get("max_tokens").asInt());
    }

    @Test
    void sendsAnAssistantTurnsThinkingBlocksFirstAndUnchangedBeforeItsToolUse() {
        ChatRequest request = parsed("""
                {"model": "claude-3-7-sonnet-20250219", "reasoning_effort": "medium", "max_tokens": 976,
                 "tools": [{"type": "function", "function": {"name": "get_weather",
                            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
                 "messages": [
                  {"role": "user", "content": "What is the weather in Paris?"},
                  {"role": "assistant", "content": "Let me check the weather.",
                   "reasoning_content": "The user wants the weather in Paris. I should call get_weather.",
                   "thinking_blocks": [
                    {"type": "thinking", "thinking": "The user wants the weather in Paris. I should call get_weather.",
                     "signature": "EuYBCkQYAiJAgCs1le6/Pol5Z4/JMomVOouGrWdhYNsH3ukzUECbB6iWrSQtsQuRHJID6lWV6PZ4LZ2xOiMY2fdBOGyE1yK1BhIMrJ0mxJLvc1qw"},
                    {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB5URj"}],
                   "tool_calls": [{"id": "toolu_01CswdEQBMshySk6Y9DFKrfq", "type": "function",
                                   "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]},
                  {"role": "tool", "tool_call_id": "toolu_01CswdEQBMshySk6Y9DFKrfq", "content": "18 degrees, sunny"}]}
                """);

        assertEquals(json("requests/thinking-tool-turn.json"),
                json(codec.encodeRequest(request, "claude-3-7-sonnet-20250219")));
    }
}
