package dev.caravan.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.core.ChatResponse;
import dev.caravan.core.ThinkingBlock;
import dev.caravan.core.ToolCall;
import dev.caravan.core.Usage;

/** A finished answer in OpenAI's {@code chat.completion} shape. */
public final class OpenAiAnswerRenderer {

    private OpenAiAnswerRenderer() {
    }

    public static ObjectNode render(String id, String model, ChatResponse answer) {
        ObjectNode root = Json.MAPPER.createObjectNode().put("id", id).put("object", "chat.completion")
                .put("created", System.currentTimeMillis() / 1000).put("model", model);
        ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        if (answer.content() != null) {
            message.put("content", answer.content());
        } else if (answer.toolCalls().isEmpty() && answer.refusal() == null && !spoken(answer)) {
            // an empty answer (Anthropic's content [] after a tool result): OpenAI's null goes only with tool calls,
            // a refusal or audio, and SDKs that read content as text, or send the message back, need a string
            message.put("content", "");
        } else {
            message.putNull("content");
        }
        if (answer.refusal() == null) {
            message.putNull("refusal");
        } else {
            message.put("refusal", answer.refusal());
        }
        if (!answer.thinking().isEmpty()) {
            message.put("reasoning_content", ThinkingBlock.text(answer.thinking()));
            ArrayNode blocks = message.putArray("thinking_blocks");
            answer.thinking().forEach(block -> blocks.add(block.toJson()));
        }
        if (!answer.toolCalls().isEmpty()) {
            ArrayNode calls = message.putArray("tool_calls");
            for (ToolCall call : answer.toolCalls()) {
                calls.addObject().put("id", call.id()).put("type", "function").putObject("function")
                        .put("name", call.name()).put("arguments", call.arguments());
            }
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", answer.finishReason());
        if (answer.passThrough() != null) {
            passOn(answer.passThrough(), choice);
        }
        root.set("usage", usage(answer.usage()));
        return root;
    }

    /** An OpenAI audio answer: its text is the audio's transcript, and its content null, as OpenAI sent it. */
    private static boolean spoken(ChatResponse answer) {
        return answer.passThrough() != null && answer.passThrough().path("message").has("audio");
    }

    /**
     * Writes what the upstream answered beyond Caravan's model ({@link ChatResponse#passThrough}) over the rendered
     * choice: an object field into the choice's object of that name (message, delta), any other field in its place.
     */
    static void passOn(ObjectNode partial, ObjectNode choice) {
        partial.properties().forEach(field -> {
            if (field.getValue().isObject() && choice.get(field.getKey()) instanceof ObjectNode own) {
                own.setAll((ObjectNode) field.getValue());
            } else {
                choice.set(field.getKey(), field.getValue());
            }
        });
    }

    static ObjectNode usage(Usage usage) {
        ObjectNode node = Json.MAPPER.createObjectNode().put("prompt_tokens", usage.promptTokens())
                .put("completion_tokens", usage.completionTokens()).put("total_tokens", usage.totalTokens());
        node.putObject("prompt_tokens_details").put("cached_tokens", usage.cacheReadTokens());
        node.putObject("completion_tokens_details").put("reasoning_tokens", usage.reasoningTokens());
        return node;
    }
}
