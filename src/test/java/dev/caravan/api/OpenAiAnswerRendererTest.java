package dev.caravan.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.core.ChatResponse;
import dev.caravan.core.ToolCall;
import dev.caravan.core.Usage;
import dev.caravan.providers.anthropic.AnthropicCodec;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
}
