package dev.caravan.core;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * A finished answer: text and/or tool calls, why it stopped (stop, length, tool_calls, content_filter), usage.
 * {@code id} is the upstream's id when it gave one; {@code refusal} is the model's refusal text when it declined
 * (OpenAI's structured outputs), else null. {@code passThrough} holds what an OpenAI-shaped upstream answered beyond
 * that (logprobs, {@code message.annotations}, {@code message.audio}) as a partial choice in OpenAI's shape, for the
 * OpenAI renderer to hand on unchanged; null when there is none, as for every other provider. {@code thinking}:
 * Claude's thinking blocks, in the order it wrote them (empty without extended thinking).
 */
public record ChatResponse(String id, String model, String content, List<ToolCall> toolCalls, String finishReason,
                           Usage usage, String refusal, ObjectNode passThrough, List<ThinkingBlock> thinking) {

    public ChatResponse {
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        usage = usage == null ? Usage.NONE : usage;
        thinking = thinking == null ? List.of() : List.copyOf(thinking);
    }

    /** An answer without thinking blocks. */
    public ChatResponse(String id, String model, String content, List<ToolCall> toolCalls, String finishReason,
                        Usage usage, String refusal, ObjectNode passThrough) {
        this(id, model, content, toolCalls, finishReason, usage, refusal, passThrough, List.of());
    }

    /** An answer with nothing to pass through. */
    public ChatResponse(String id, String model, String content, List<ToolCall> toolCalls, String finishReason,
                        Usage usage, String refusal) {
        this(id, model, content, toolCalls, finishReason, usage, refusal, null);
    }

    /** An answer without a refusal. */
    public ChatResponse(String id, String model, String content, List<ToolCall> toolCalls, String finishReason,
                        Usage usage) {
        this(id, model, content, toolCalls, finishReason, usage, null, null);
    }
}
