package dev.caravan.providers.bedrock;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.api.OpenAiRequestParser;
import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.ContentPart;
import dev.caravan.core.GatewayException;
import dev.caravan.core.ToolCall;
import dev.caravan.core.ToolChoice;
import dev.caravan.routing.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.bedrockruntime.model.CacheTTL;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ImageFormat;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.TokenUsage;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static dev.caravan.providers.bedrock.TestRequests.assistantCalling;
import static dev.caravan.providers.bedrock.TestRequests.chat;
import static dev.caravan.providers.bedrock.TestRequests.request;
import static dev.caravan.providers.bedrock.TestRequests.toolResult;
import static dev.caravan.providers.bedrock.TestRequests.weatherTool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BedrockCodecTest {

    private static final String MODEL = "anthropic.claude-3-haiku-20240307-v1:0";
    private static final String PIXEL_PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk";

    private final BedrockCodec codec = new BedrockCodec();

    private ConverseRequest encode(ChatRequest request) {
        return codec.converseRequest(request, bedrock(MODEL), ToolNameMap.of(request));
    }

    private static Target bedrock(String modelId) {
        return new Target("bedrock", modelId);
    }

    @Test
    void putsSystemAndDeveloperMessagesIntoSystemBlocks() {
        ConverseRequest converse = encode(chat(ChatMessage.of("system", "Be brief."),
                ChatMessage.of("developer", "Answer in French."), ChatMessage.of("user", "Hi")));

        assertEquals(MODEL, converse.modelId());
        assertEquals(List.of("Be brief.", "Answer in French."), converse.system().stream().map(s -> s.text()).toList());
        assertEquals(1, converse.messages().size());
        assertEquals(ConversationRole.USER, converse.messages().get(0).role());
    }

    @Test
    void mergesConsecutiveMessagesOfTheSameRoleIntoOneTurn() {
        ConverseRequest converse = encode(chat(ChatMessage.of("user", "First."), ChatMessage.of("user", "Second."),
                ChatMessage.of("assistant", "Noted."), ChatMessage.of("user", "Third.")));

        List<Message> turns = converse.messages();
        assertEquals(3, turns.size());
        assertEquals(List.of("First.", "Second."), turns.get(0).content().stream().map(ContentBlock::text).toList());
        assertEquals(ConversationRole.ASSISTANT, turns.get(1).role());
    }

    @Test
    void aClaudePrefillLeftWithoutTextByTrimmingIsNoTurn_otherModelsGetItAsItCame() {
        // a no-break space is not blank to Java, but it is whitespace to Claude
        ChatRequest prefilled = chat(ChatMessage.of("user", "Name a colour."), ChatMessage.of("assistant", "\u00a0"));

        List<Message> claude = encode(prefilled).messages();
        List<Message> llama = codec.converseRequest(prefilled, bedrock("meta.llama3-1-8b-instruct-v1:0"),
                ToolNameMap.of(prefilled)).messages();

        assertEquals(List.of(ConversationRole.USER), claude.stream().map(Message::role).toList());
        assertEquals(List.of(ConversationRole.USER, ConversationRole.ASSISTANT),
                llama.stream().map(Message::role).toList());
        assertEquals("\u00a0", llama.get(1).content().get(0).text());
    }

    @Test
    void aClaudePrefillEndsWithoutWhitespaceWhenItsLastTextIsWhitespaceAlone() {
        // the no-break space is dropped by trimming; the text before it is the prefill's end then
        ChatRequest prefilled = chat(ChatMessage.of("user", "Name a colour."),
                new ChatMessage("assistant", List.of(ContentPart.text("The colour is "), ContentPart.text("\u00a0")),
                        null, null, null));

        List<Message> claude = encode(prefilled).messages();

        assertEquals(List.of("The colour is"), claude.get(1).content().stream().map(ContentBlock::text).toList());
    }

    @Test
    void leavesOutBlankTextAndTheTurnsLeftEmptyKeepingUserAndAssistantAlternating() {
        // an assistant turn of "" is what the gateway itself renders for an empty answer; SDKs send it back as is
        ConverseRequest converse = encode(chat(ChatMessage.of("user", "Hello"), ChatMessage.of("assistant", ""),
                ChatMessage.of("user", "Are you there?"), ChatMessage.of("assistant", " \n"),
                new ChatMessage("user", List.of(ContentPart.text(" "), ContentPart.text("And now?")), null, null,
                        null)));

        List<Message> turns = converse.messages();
        assertEquals(1, turns.size(), turns.toString());
        assertEquals(ConversationRole.USER, turns.get(0).role());
        assertEquals(List.of("Hello", "Are you there?", "And now?"),
                turns.get(0).content().stream().map(ContentBlock::text).toList());
    }

    @Test
    void sendsToolResultsAsAUserTurnRightAfterTheToolUseTurn() {
        ChatRequest request = request(List.of(
                ChatMessage.of("user", "Weather in Paris and Rome?"),
                assistantCalling(new ToolCall("call_1", "weather.get", "{\"city\":\"Paris\"}"),
                        new ToolCall("call_2", "weather.get", "{\"city\":\"Rome\",\"days\":2}")),
                toolResult("call_1", "18 C"),
                toolResult("call_2", "24 C"),
                ChatMessage.of("user", "And tomorrow?")), List.of(weatherTool("weather.get")), null);

        List<Message> turns = encode(request).messages();

        assertEquals(3, turns.size());
        Message assistant = turns.get(1);
        assertEquals(ConversationRole.ASSISTANT, assistant.role());
        assertEquals("call_1", assistant.content().get(0).toolUse().toolUseId());
        assertEquals("weather_get", assistant.content().get(0).toolUse().name());
        assertEquals("{\"city\":\"Rome\",\"days\":2}",
                JsonDocuments.toJsonText(assistant.content().get(1).toolUse().input()));
        Message results = turns.get(2);
        assertEquals(ConversationRole.USER, results.role());
        assertEquals("call_1", results.content().get(0).toolResult().toolUseId());
        assertEquals("18 C", results.content().get(0).toolResult().content().get(0).text());
        assertEquals("call_2", results.content().get(1).toolResult().toolUseId());
        assertEquals("And tomorrow?", results.content().get(2).text());
    }

    @Test
    void rejectsToolCallArgumentsThatAreNotJson() {
        ChatRequest request = request(List.of(ChatMessage.of("user", "Hi"),
                assistantCalling(new ToolCall("call_1", "f", "{not json"))), List.of(weatherTool("f")), null);

        GatewayException error = assertThrows(GatewayException.class, () -> encode(request));
        assertEquals(400, error.status());
    }

    @ParameterizedTest
    @CsvSource({"image/png,PNG", "image/jpeg,JPEG", "image/gif,GIF", "image/webp,WEBP"})
    void turnsDataUrlImagesIntoImageBlocksOfTheirFormat(String mediaType, String format) {
        ChatMessage message = new ChatMessage("user", List.of(ContentPart.text("What is this?"),
                ContentPart.image("data:" + mediaType + ";base64,AAECAw==")), List.of(), null, null);

        ContentBlock image = encode(chat(message)).messages().get(0).content().get(1);

        assertEquals(ImageFormat.valueOf(format), image.image().format());
        assertEquals(4, image.image().source().bytes().asByteArray().length);
    }

    /**
     * A URL's scheme is case-insensitive: routing (ImageLinks) and the Anthropic encoder take DATA: as inline data, so
     * a Bedrock target kept in the chain for such an image must take it too rather than end the chain with a 400.
     */
    @Test
    void takesADataUrlWhoseSchemeIsWrittenInCapitals() {
        ChatMessage message = new ChatMessage("user", List.of(ContentPart.image("DATA:image/png;base64,AAECAw==")),
                List.of(), null, null);

        ContentBlock image = encode(chat(message)).messages().get(0).content().get(0);

        assertEquals(ImageFormat.PNG, image.image().format());
        assertEquals(4, image.image().source().bytes().asByteArray().length);
    }

    @Test
    void rejectsImageLinksWithAClear400BecauseConverseNeedsBytes() {
        ChatMessage message = new ChatMessage("user", List.of(ContentPart.image("https://example.com/cat.png")),
                List.of(), null, null);

        GatewayException error = assertThrows(GatewayException.class, () -> encode(chat(message)));

        assertEquals(400, error.status());
        assertTrue(error.getMessage().contains("data: URL"), error.getMessage());
    }

    @Test
    void aTemperatureAboveOneOnOpenAisScaleIsSentAsOneTheMostConverseTakes() {
        ChatRequest request = new ChatRequest("m", List.of(ChatMessage.of("user", "Hi")), null, 1.6, null,
                null, false, false, null, null, null, null);

        assertEquals(1.0f, encode(request).inferenceConfig().temperature());
    }

    @Test
    void copiesMaxTokensTemperatureTopPAndStopIntoInferenceConfig() {
        ChatRequest request = new ChatRequest("m", List.of(ChatMessage.of("user", "Hi")), 256, 0.2, 0.9,
                List.of("END"), false, false, null, null, null, null);

        var inference = codec.converseRequest(request, bedrock("meta.llama3-70b-instruct-v1:0"),
                        ToolNameMap.of(request))
                .inferenceConfig();

        assertEquals(256, inference.maxTokens());
        assertEquals(0.2f, inference.temperature());
        assertEquals(0.9f, inference.topP());
        assertEquals(List.of("END"), inference.stopSequences());
        assertNull(encode(chat(ChatMessage.of("user", "Hi"))).inferenceConfig());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"anthropic.claude-sonnet-4-5-20250929-v1:0", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"})
    void sendsClaudeTheTemperatureAloneWhenTopPIsAlsoSetSinceNewerClaudeModelsRefuseBoth(String modelId) {
        ChatRequest both = new ChatRequest("m", List.of(ChatMessage.of("user", "Hi")), 256, 0.7, 1.0, null, false,
                false, null, null, null, null);
        ChatRequest topPAlone = new ChatRequest("m", List.of(ChatMessage.of("user", "Hi")), 256, null, 0.9, null,
                false, false, null, null, null, null);

        var inference = codec.converseRequest(both, bedrock(modelId), ToolNameMap.of(both)).inferenceConfig();

        assertEquals(0.7f, inference.temperature());
        assertNull(inference.topP());
        assertEquals(0.9f,
                codec.converseRequest(topPAlone, bedrock(modelId), ToolNameMap.of(topPAlone)).inferenceConfig().topP());
    }

    @ParameterizedTest(name = "{0}, declared {1}: Claude {2}")
    @CsvSource({
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6, anthropic, true",
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6, ,          false",
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6, meta,      false",
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6, nova,      false",
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0,                                      ,          true",
            "meta.llama3-1-8b-instruct-v1:0,                                                    ,          false"})
    void claudesRulesApplyByTheDeclaredFamilyElseByTheModelId(String modelId, String family, boolean claude) {
        ChatRequest request = new ChatRequest("m", List.of(ChatMessage.of("user", "Name a colour."),
                ChatMessage.of("assistant", "The colour is ")), 256, 0.7, 0.9, List.of("\n", "END"), false, false,
                null, null, null, null);

        ConverseRequest sent = codec.converseRequest(request, new Target("bedrock", modelId, null, family),
                ToolNameMap.of(request));

        assertEquals(modelId, sent.modelId());
        assertEquals(claude ? List.of("END") : List.of("\n", "END"), sent.inferenceConfig().stopSequences());
        assertEquals(claude ? null : 0.9f, sent.inferenceConfig().topP());
        assertEquals(claude ? "The colour is" : "The colour is ", sent.messages().get(1).content().get(0).text());
    }

    @ParameterizedTest(name = "{0}, declared {1}: cache points in system and messages {2}, among tools {3}")
    @CsvSource({
            "anthropic.claude-3-5-haiku-20241022-v1:0, , true, true",
            "amazon.nova-micro-v1:0, , true, false",
            "amazon.nova-lite-v1:0, , true, false",
            "us.amazon.nova-pro-v1:0, , true, false",
            "eu.amazon.nova-premier-v1:0, , true, false",
            "amazon.nova-pro-v1:0, amazon, true, false",
            "amazon.titan-text-premier-v1:0, , false, false",
            "meta.llama3-1-8b-instruct-v1:0, , false, false",
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6, anthropic, true, true",
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6, amazon, false, false",
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6, nova, true, false",
            "us.amazon.nova-lite-v1:0, nova, true, false"})
    void cacheBreakpointsBecomeCachePointsWhereTheModelTakesThem(String modelId, String family, boolean inPrompt,
                                                                boolean inTools) {
        ChatRequest request = new OpenAiRequestParser().parse(("{\"model\":\"m\",\"messages\":["
                + "{\"role\":\"system\",\"content\":\"Be brief.\",\"cache_control\":{\"type\":\"ephemeral\"}},"
                + "{\"role\":\"user\",\"content\":\"Weather?\",\"cache_control\":{\"type\":\"ephemeral\"}}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"},"
                + "\"cache_control\":{\"type\":\"ephemeral\"}}]}").getBytes(StandardCharsets.UTF_8));

        ConverseRequest sent = codec.converseRequest(request, new Target("bedrock", modelId, null, family),
                ToolNameMap.of(request));

        assertEquals(inPrompt ? 2 : 1, sent.system().size());
        assertEquals(inPrompt, sent.system().get(sent.system().size() - 1).cachePoint() != null);
        List<ContentBlock> content = sent.messages().get(0).content();
        assertEquals(inPrompt ? 2 : 1, content.size());
        assertEquals(inPrompt, content.get(content.size() - 1).cachePoint() != null);
        assertEquals(inTools ? 2 : 1, sent.toolConfig().tools().size());
        assertEquals(inTools, sent.toolConfig().tools().get(sent.toolConfig().tools().size() - 1).cachePoint() != null);
    }

    @Test
    void aMessagesMarkerOnTheBlockItsLastPartMarksIsOneCachePoint_andAPartOfNoBreakSpacesNoBlock() {
        ChatRequest request = new OpenAiRequestParser().parse(("{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"Read this.\",\"cache_control\":{\"type\":"
                + "\"ephemeral\",\"ttl\":\"1h\"}},{\"type\":\"text\",\"text\":\"\\u00a0\\u00a0\","
                + "\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}],\"cache_control\":{\"type\":"
                + "\"ephemeral\",\"ttl\":\"1h\"}}]}").getBytes(StandardCharsets.UTF_8));

        List<ContentBlock> content = encode(request).messages().get(0).content();

        assertEquals(2, content.size(), content.toString());
        assertEquals("Read this.", content.get(0).text());
        assertEquals(CacheTTL.VALUE_1_H, content.get(1).cachePoint().ttl());
    }

    @Test
    void novaGetsNoCachePointForAPartOfNoBreakSpaces_whichTheGatewayCountsAsNoBreakpoint() {
        // four breakpoints as counted, and a marked part of a no-break space, which the count takes for no block
        String mark = ",\"cache_control\":{\"type\":\"ephemeral\"}";
        StringBuilder parts = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            parts.append("{\"type\":\"text\",\"text\":\"Part ").append(i).append(".\"").append(mark).append("},");
        }
        parts.append("{\"type\":\"text\",\"text\":\"\\u00a0\"").append(mark).append("}");
        ChatRequest request = new OpenAiRequestParser().parse(("{\"model\":\"m\",\"messages\":[{\"role\":"
                + "\"user\",\"content\":[" + parts + "]}]}").getBytes(StandardCharsets.UTF_8));

        List<ContentBlock> content = codec.converseRequest(request, bedrock("us.amazon.nova-pro-v1:0"),
                ToolNameMap.of(request)).messages().get(0).content();

        assertEquals(4, content.stream().filter(block -> block.cachePoint() != null).count(), content.toString());

        // a message's marker marks the last part sent as a block: one breakpoint with that part's own
        ChatRequest marked = new OpenAiRequestParser().parse(("{\"model\":\"m\",\"messages\":[{\"role\":"
                + "\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Read this.\"" + mark + "},{\"type\":"
                + "\"text\",\"text\":\"\\u00a0\"}]" + mark + "}]}").getBytes(StandardCharsets.UTF_8));
        List<ContentBlock> once = codec.converseRequest(marked, bedrock("us.amazon.nova-pro-v1:0"),
                ToolNameMap.of(marked)).messages().get(0).content();
        assertEquals(1, once.stream().filter(block -> block.cachePoint() != null).count(), once.toString());
    }

    @Test
    void offersToolsUnderBedrockSafeNamesWithTheirSchema() {
        ChatRequest request = request(List.of(ChatMessage.of("user", "Hi")),
                List.of(weatherTool("weather.get"), weatherTool("search")), null);

        var tools = encode(request).toolConfig().tools();

        assertEquals("weather_get", tools.get(0).toolSpec().name());
        assertEquals("Current weather for a city", tools.get(0).toolSpec().description());
        assertEquals("object", tools.get(0).toolSpec().inputSchema().json().asMap().get("type").asString());
        assertEquals("search", tools.get(1).toolSpec().name());
        assertNull(encode(request).toolConfig().toolChoice());
    }

    @Test
    void mapsToolChoiceAutoRequiredAndNamedAndOmitsToolsForNone() {
        List<ChatMessage> hi = List.of(ChatMessage.of("user", "Hi"));
        var tools = List.of(weatherTool("weather.get"));

        assertTrue(encode(request(hi, tools, ToolChoice.AUTO)).toolConfig().toolChoice().auto() != null);
        assertTrue(encode(request(hi, tools, ToolChoice.REQUIRED)).toolConfig().toolChoice().any() != null);
        assertEquals("weather_get", encode(request(hi, tools, ToolChoice.function("weather.get")))
                .toolConfig().toolChoice().tool().name());
        assertNull(encode(request(hi, tools, ToolChoice.NONE)).toolConfig());
    }

    @Test
    void buildsTheSameConversationForConverseStream() {
        ChatRequest request = request(List.of(ChatMessage.of("system", "Be brief."), ChatMessage.of("user", "Hi")),
                List.of(weatherTool("weather.get")), ToolChoice.REQUIRED);
        ConverseRequest plain = encode(request);

        ConverseStreamRequest stream = codec.converseStreamRequest(request, bedrock(MODEL), ToolNameMap.of(request));

        assertEquals(plain.messages(), stream.messages());
        assertEquals(plain.system(), stream.system());
        assertEquals(plain.toolConfig(), stream.toolConfig());
    }

    @Test
    void sanitisesToolNamesUniquelyAndMapsThemBack() {
        ToolNameMap names = new ToolNameMap();
        String dotted = names.bedrockName("weather.get");
        String spaced = names.bedrockName("weather get");
        String long100 = names.bedrockName("x".repeat(100));

        assertEquals("weather_get", dotted);
        assertNotEquals(dotted, spaced);
        assertTrue(spaced.matches("^[a-zA-Z0-9_-]{1,64}$"), spaced);
        assertEquals(64, long100.length());
        assertEquals("weather get", names.callerName(spaced));
        assertEquals("weather.get", names.callerName("weather_get"));
        assertEquals("made_up", names.callerName("made_up"));
    }

    @ParameterizedTest
    @CsvSource({"end_turn,stop", "stop_sequence,stop", "max_tokens,length", "tool_use,tool_calls",
            "guardrail_intervened,content_filter", "content_filtered,content_filter",
            "model_context_window_exceeded,length"})
    void mapsBedrockStopReasonsToOpenAiFinishReasons(String stopReason, String finishReason) {
        assertEquals(finishReason, BedrockCodec.finishReason(stopReason));
    }

    @Test
    void countsCachedInputTokensInThePrompt() {
        var usage = BedrockCodec.usage(TokenUsage.builder().inputTokens(10).outputTokens(5)
                .cacheReadInputTokens(100).cacheWriteInputTokens(20).totalTokens(135).build());

        assertEquals(130, usage.promptTokens());
        assertEquals(5, usage.completionTokens());
        assertEquals(100, usage.cacheReadTokens());
        assertEquals(20, usage.cacheWriteTokens());
        assertEquals(0, usage.cacheWrite1hTokens());
    }

    @Test
    void countsTheCacheWritesOfAnHourApartFromTheCacheDetails() {
        var usage = BedrockCodec.usage(TokenUsage.builder().inputTokens(10).outputTokens(5)
                .cacheWriteInputTokens(3000).totalTokens(3015)
                .cacheDetails(d -> d.ttl(CacheTTL.VALUE_1_H).inputTokens(2000),
                        d -> d.ttl(CacheTTL.VALUE_5_M).inputTokens(1000)).build());

        assertEquals(3010, usage.promptTokens());
        assertEquals(3000, usage.cacheWriteTokens());
        assertEquals(2000, usage.cacheWrite1hTokens());
    }

    private static final String SONNET_37 = "us.anthropic.claude-3-7-sonnet-20250219-v1:0";
    private static final String SIGNATURE = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds";

    private static ChatRequest parsed(String openAiBody) {
        return new OpenAiRequestParser().parse(openAiBody.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void claudeWithReasoningEffortIsSentAnthropicsThinkingWithTheBudgetOnTopOfMaxTokens() {
        ChatRequest request = parsed("{\"model\":\"m\",\"reasoning_effort\":\"medium\",\"max_tokens\":500,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"27 * 453?\"}]}");

        ConverseRequest converse = codec.converseRequest(request, bedrock(SONNET_37), ToolNameMap.of(request));
        ConverseStreamRequest stream = codec.converseStreamRequest(request, bedrock(SONNET_37),
                ToolNameMap.of(request));

        assertEquals(2048 + 500, converse.inferenceConfig().maxTokens());
        assertEquals("{\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2048}}",
                JsonDocuments.toJsonText(converse.additionalModelRequestFields()));
        assertEquals(converse.additionalModelRequestFields(), stream.additionalModelRequestFields());
        assertEquals(2548, stream.inferenceConfig().maxTokens());
    }

    @ParameterizedTest(name = "{0} with max_tokens {1} on {2}: adaptive at {3}, maxTokens {4}, shown {5}")
    @CsvSource({
            "low,   500, anthropic.claude-opus-4-6-v1,         low,   1524, false",
            "high,     , us.anthropic.claude-sonnet-4-6,        high,  8192, false",
            "xhigh,    , us.anthropic.claude-sonnet-4-6,        max,   16384, false",
            "xhigh, 100, anthropic.claude-opus-4-7,            xhigh, 8292, true",
            "medium,   , anthropic.claude-mythos-preview,      medium, 8192, true"})
    void claude46AndLaterThinkAdaptivelyThroughAdditionalModelRequestFieldsWithTheBudgetsMaxTokens(String effort,
            Integer maxTokens, String modelId, String sentEffort, int sent, boolean askedToShow) {
        ChatRequest request = parsed("{\"model\":\"m\",\"reasoning_effort\":\"" + effort + "\","
                + (maxTokens == null ? "" : "\"max_tokens\":" + maxTokens + ",")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"27 * 453?\"}]}");
        BedrockCodec upTo8192 = new BedrockCodec(target -> 8192);

        ConverseRequest converse = upTo8192.converseRequest(request, bedrock(modelId), ToolNameMap.of(request));
        ConverseStreamRequest stream = upTo8192.converseStreamRequest(request, bedrock(modelId),
                ToolNameMap.of(request));

        // Opus 4.7 and later, and Mythos, leave their thinking text out unless asked to show it summarized
        assertEquals("{\"thinking\":{\"type\":\"adaptive\"" + (askedToShow ? ",\"display\":\"summarized\"" : "")
                + "},\"output_config\":{\"effort\":\"" + sentEffort + "\"}}",
                JsonDocuments.toJsonText(converse.additionalModelRequestFields()));
        assertEquals(sent, converse.inferenceConfig().maxTokens());
        assertEquals(converse.additionalModelRequestFields(), stream.additionalModelRequestFields());
    }

    @Test
    void aClaudeThatTakesNoForcedToolCallGetsStructuredOutputsAsConversesOutputFormat() throws Exception {
        ChatRequest request = parsed("{\"model\":\"m\",\"response_format\":{\"type\":\"json_schema\","
                + "\"json_schema\":{\"name\":\"place\",\"schema\":{\"type\":\"object\",\"properties\":"
                + "{\"city\":{\"type\":\"string\"}}}}},\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Where is the Louvre?\"}]}");

        ConverseRequest converse = codec.converseRequest(request, bedrock("anthropic.claude-opus-5-5"),
                ToolNameMap.of(request));
        ConverseStreamRequest stream = codec.converseStreamRequest(request, bedrock("anthropic.claude-opus-5-5"),
                ToolNameMap.of(request));

        assertNull(converse.toolConfig(), "no answer's tool");
        assertEquals("json_schema", converse.outputConfig().textFormat().typeAsString());
        assertEquals("place", converse.outputConfig().textFormat().structure().jsonSchema().name());
        assertEquals(new ObjectMapper().readTree("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":"
                        + "\"string\"}},\"additionalProperties\":false}"),
                new ObjectMapper().readTree(converse.outputConfig().textFormat().structure().jsonSchema().schema()));
        assertEquals(converse.outputConfig(), stream.outputConfig());
        assertNull(codec.converseRequest(request, bedrock(SONNET_37), ToolNameMap.of(request)).outputConfig(),
                "a Claude that takes a forced tool call is asked with a tool (by BedrockProvider)");
    }

    @Test
    void anApplicationInferenceProfileNamesNoModelSoItsClaudeGetsTheBudgetForm() {
        ChatRequest request = parsed("{\"model\":\"m\",\"reasoning_effort\":\"low\",\"max_tokens\":500,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"27 * 453?\"}]}");
        Target profile = new Target("bedrock", "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/"
                + "a1b2c3d4e5f6", null, "anthropic");

        ConverseRequest converse = codec.converseRequest(request, profile, ToolNameMap.of(request));

        assertEquals("{\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}}",
                JsonDocuments.toJsonText(converse.additionalModelRequestFields()));
    }

    @Test
    void withoutMaxTokensClaudeIsSentTheModelsMostOutputWhichHoldsTheBudget() {
        ChatRequest request = parsed("{\"model\":\"m\",\"reasoning_effort\":\"high\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"27 * 453?\"}]}");

        ConverseRequest atMost8192 = new BedrockCodec(target -> 8192).converseRequest(request, bedrock(SONNET_37),
                ToolNameMap.of(request));
        ConverseRequest atMost4096 = codec.converseRequest(request, bedrock(SONNET_37), ToolNameMap.of(request));

        assertEquals(8192, atMost8192.inferenceConfig().maxTokens());
        assertEquals(4096 + 4096, atMost4096.inferenceConfig().maxTokens());
    }

    @Test
    void withoutReasoningOrWithNoneClaudeIsSentNoThinking() {
        ChatRequest none = parsed("{\"model\":\"m\",\"reasoning_effort\":\"none\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertNull(codec.converseRequest(none, bedrock(SONNET_37), ToolNameMap.of(none)).additionalModelRequestFields());
        assertNull(encode(chat(ChatMessage.of("user", "hi"))).additionalModelRequestFields());
    }

    @Test
    void sendsAClaudeTurnsThinkingBlocksFirstAsItsReasoningContent_anotherModelGetsNone() {
        ChatRequest request = parsed("{\"model\":\"m\",\"reasoning_effort\":\"low\",\"tools\":[{\"type\":"
                + "\"function\",\"function\":{\"name\":\"get_weather\"}}],\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"thinking_blocks\":["
                + "{\"type\":\"thinking\",\"thinking\":\"I need the weather.\",\"signature\":\"" + SIGNATURE + "\"},"
                + "{\"type\":\"redacted_thinking\",\"data\":\"RW13S0FoZ0I=\"}],"
                + "\"tool_calls\":[{\"id\":\"tooluse_1\",\"type\":\"function\",\"function\":{\"name\":"
                + "\"get_weather\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"tooluse_1\",\"content\":\"18 degrees\"}]}");

        List<ContentBlock> claude = codec.converseRequest(request, bedrock(SONNET_37), ToolNameMap.of(request))
                .messages().get(1).content();
        List<ContentBlock> llama = codec.converseRequest(request, bedrock("meta.llama3-1-70b-instruct-v1:0"),
                ToolNameMap.of(request)).messages().get(1).content();

        assertEquals("I need the weather.", claude.get(0).reasoningContent().reasoningText().text());
        assertEquals(SIGNATURE, claude.get(0).reasoningContent().reasoningText().signature());
        assertEquals("EmwKAhgB", claude.get(1).reasoningContent().redactedContent().asUtf8String());
        assertEquals("tooluse_1", claude.get(2).toolUse().toolUseId());
        assertEquals(1, llama.size());
        assertEquals("tooluse_1", llama.get(0).toolUse().toolUseId());
    }
}
