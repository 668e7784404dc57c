package dev.caravan.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.core.ChatResponse;
import dev.caravan.core.ThinkingBlock;
import dev.caravan.core.ToolCall;
import dev.caravan.core.Usage;
import dev.caravan.providers.anthropic.AnthropicCodec;
import dev.caravan.providers.openai.OpenAiCodec;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenAiAnswerRendererTest {

    private static final Usage USAGE = new Usage(10, 2, 0, 0, 0);

    @Test
    void anEmptyAnswerHasEmptyTextContentNotNull() {
        // what Anthropic answers after a tool result when the model has nothing to add
        ChatResponse answer = new AnthropicCodec(m -> 4096).decodeResponse(("{\"id\":\"msg_1\",\"type\":\"message\","
                + "\"role\":\"assistant\",\"model\":\"claude-x\",\"content\":[],\"stop_reason\":\"end_turn\","
                + "\"usage\":{\"input_tokens\":10,\"output_tokens\":2}}").getBytes(StandardCharsets.UTF_8));

        JsonNode message = OpenAiAnswerRenderer.render("chatcmpl-1", "claude-x", answer).at("/choices/0/message");

        assertEquals("", message.get("content").textValue());
        assertFalse(message.has("tool_calls"));
        assertTrue(message.get("refusal").isNull());
    }

    @Test
    void contentIsNullBesideToolCallsOrARefusalAsOpenAiSendsIt() {
        ChatResponse calls = new ChatResponse("c", "m", null, List.of(new ToolCall("call_1", "get_time", "{}")),
                "tool_calls", USAGE);
        ChatResponse refused = new ChatResponse("c", "m", null, List.of(), "stop", USAGE, "I can't help with that.");

        JsonNode withCalls = OpenAiAnswerRenderer.render("chatcmpl-1", "m", calls).at("/choices/0/message");
        JsonNode withRefusal = OpenAiAnswerRenderer.render("chatcmpl-1", "m", refused).at("/choices/0/message");

        assertTrue(withCalls.get("content").isNull());
        assertTrue(withRefusal.get("content").isNull());
        assertEquals("I can't help with that.", withRefusal.get("refusal").textValue());
    }

    @Test
    void theSimpleShapeRendersAnEmptyAnswerAsEmptyContent() {
        ChatResponse answer = new ChatResponse("c", "m", null, List.of(), "stop", USAGE);

        assertEquals("", SimpleAnswerRenderer.render("1", "anthropic", "m", answer, null).get("content").textValue());
    }

    @Test
    void openAisLogprobsReachTheChoiceAsOpenAiSentThem() throws IOException {
        Rendered answer = rendered("response-logprobs.json");

        assertEquals(answer.wire().get("logprobs"), answer.choice().get("logprobs"));
        assertEquals("Hello!", answer.choice().at("/message/content").textValue());
        assertEquals(List.of("index", "message", "logprobs", "finish_reason"), names(answer.choice()));
    }

    @Test
    void openAisUrlCitationsReachTheMessage() throws IOException {
        Rendered answer = rendered("response-url-citations.json");

        assertEquals(answer.wire().at("/message/annotations"), answer.choice().at("/message/annotations"));
        assertTrue(answer.choice().at("/message/content").textValue().startsWith("Camel 4.17"));
    }

    @Test
    void openAisAudioAnswerKeepsItsAudioAndItsNullContent() throws IOException {
        Rendered answer = rendered("response-audio.json");

        assertEquals(answer.wire().at("/message/audio"), answer.choice().at("/message/audio"));
        assertTrue(answer.choice().at("/message/content").isNull(), "OpenAI's audio answers have no text content");
    }

    @Test
    void anAnswerWithNothingToPassThroughHasNullLogprobsAndNoAnnotationsOrAudio() {
        JsonNode choice = OpenAiAnswerRenderer.render("chatcmpl-1", "m",
                new ChatResponse("c", "m", "Hi", List.of(), "stop", USAGE)).at("/choices/0");

        assertTrue(choice.get("logprobs").isNull());
        assertNull(choice.get("message").get("annotations"));
        assertNull(choice.get("message").get("audio"));
    }

    private static List<String> names(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** An OpenAI answer's choice as OpenAI sent it ({@code wire}) and as the gateway renders it. */
    private record Rendered(JsonNode wire, JsonNode choice) {
    }

    private static Rendered rendered(String fixture) throws IOException {
        byte[] wire;
        try (InputStream in = OpenAiAnswerRendererTest.class.getResourceAsStream("/fixtures/openai/" + fixture)) {
            wire = in.readAllBytes();
        }
        JsonNode choice = OpenAiAnswerRenderer.render("chatcmpl-1", "gpt-4o", new OpenAiCodec().decodeResponse(wire))
                .at("/choices/0");
        return new Rendered(Json.MAPPER.readTree(wire).at("/choices/0"), choice);
    }

    @Test
    void claudesThinkingIsTheMessagesReasoningContentAndItsBlocksAsLiteLlmHasThem() {
        ChatResponse answer = new ChatResponse("msg_1", "claude-3-7-sonnet-20250219", "4", List.of(), "stop", USAGE,
                null, null, List.of(ThinkingBlock.thinking("2 and 2 ", "EqQB"), ThinkingBlock.redacted("EmwK"),
                ThinkingBlock.thinking("make 4.", "EuYB")));

        JsonNode message = OpenAiAnswerRenderer.render("chatcmpl-1", "claude", answer).at("/choices/0/message");

        assertEquals("2 and 2 make 4.", message.get("reasoning_content").textValue());
        assertEquals(json("[{\"type\":\"thinking\",\"thinking\":\"2 and 2 \",\"signature\":\"EqQB\"},"
                + "{\"type\":\"redacted_thinking\",\"data\":\"EmwK\"},"
                + "{\"type\":\"thinking\",\"thinking\":\"make 4.\",\"signature\":\"EuYB\"}]"),
                message.get("thinking_blocks"));
        assertEquals("4", message.get("content").textValue());
    }

    @Test
    void anAnswerWithoutThinkingHasNoReasoningFields() {
        JsonNode message = OpenAiAnswerRenderer.render("chatcmpl-1", "m",
                new ChatResponse("1", "m", "hi", List.of(), "stop", USAGE)).at("/choices/0/message");

        assertFalse(message.has("reasoning_content"));
        assertFalse(message.has("thinking_blocks"));
    }

    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
