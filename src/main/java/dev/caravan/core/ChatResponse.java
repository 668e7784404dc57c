package dev.caravan.core;

import java.util.List;

/**
 * A finished answer: text and/or tool calls, why it stopped (stop, length, tool_calls, content_filter), usage.
 * {@code id} is the upstream's id when it gave one.
 */
public record ChatResponse(String id, String model, String content, List<ToolCall> toolCalls, String finishReason,
                           Usage usage) {

    public ChatResponse {
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        usage = usage == null ? Usage.NONE : usage;
    }
}
