package dev.caravan.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.core.ChatResponse;
import dev.caravan.core.GatewayException;
import dev.caravan.core.ThinkingBlock;
import dev.caravan.core.ToolCall;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** A successful Anthropic Message (non-streaming) as a normalized {@link ChatResponse}. */
final class AnthropicResponseDecoder {

    private final ObjectMapper json;

    AnthropicResponseDecoder(ObjectMapper json) {
        this.json = json;
    }

    ChatResponse decode(byte[] body) {
        JsonNode message = parse(body);
        StringBuilder text = null;
        List<ToolCall> toolCalls = new ArrayList<>();
        List<ThinkingBlock> thinking = new ArrayList<>(0);
        for (JsonNode block : message.path("content")) {
            switch (block.path("type").asText()) {
                case "text" -> {
                    text = text == null ? new StringBuilder() : text;
                    text.append(block.path("text").asText(""));
                }
                case "tool_use" -> toolCalls.add(new ToolCall(block.path("id").asText(null),
                        block.path("name").asText(null), compact(block.get("input"))));
                case ThinkingBlock.THINKING -> thinking.add(ThinkingBlock.thinking(block.path("thinking").asText(""),
                        block.path("signature").asText(null)));
                case ThinkingBlock.REDACTED -> thinking.add(ThinkingBlock.redacted(block.path("data").asText(null)));
                default -> {
                    // server tool blocks carry nothing the caller is shown
                }
            }
        }
        // thinking tokens are part of output_tokens, so the usage bills them already
        return new ChatResponse(message.path("id").asText(null), message.path("model").asText(null),
                text == null ? null : text.toString(), toolCalls,
                AnthropicFinishReason.of(message.path("stop_reason").asText(null)),
                AnthropicUsage.from(message.get("usage")).toUsage(), null, null, thinking);
    }

    private JsonNode parse(byte[] body) {
        try {
            JsonNode message = body == null ? null : json.readTree(body);
            if (message == null || !message.isObject()) {
                throw GatewayException.upstreamUnavailable("anthropic", "answer is not a JSON object");
            }
            return message;
        } catch (IOException unreadable) {
            throw GatewayException.upstreamUnavailable("anthropic", "answer is not valid JSON");
        }
    }

    private String compact(JsonNode input) {
        if (input == null || input.isNull()) {
            return "{}";
        }
        try {
            return json.writeValueAsString(input);
        } catch (IOException impossible) {
            return "{}";
        }
    }
}
