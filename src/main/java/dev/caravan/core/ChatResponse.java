package dev.caravan.core;

import java.util.List;

/**
 * A finished answer: text and/or tool calls, why it stopped (stop, length, tool_calls, content_filter), usage.
 * {@code id} is the upstream's id when it gave one; {@code refusal} is the model's refusal text when it declined
 * (OpenAI's structured outputs), else null.
 */
public record ChatResponse(String id, String model, String content, List<ToolCall> toolCalls, String finishReason,
                           Usage usage, String refusal) {

    public ChatResponse {
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        usage = usage == null ? Usage.NONE : usage;
    }

    /** An answer without a refusal. */
    public ChatResponse(String id, String model, String content, List<ToolCall> toolCalls, String finishReason,
                        Usage usage) {
        this(id, model, content, toolCalls, finishReason, usage, null);
    }
}
