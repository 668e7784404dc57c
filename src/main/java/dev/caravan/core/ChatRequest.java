package dev.caravan.core;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * The normalized request every provider codec starts from.
 * {@code original} is the caller's JSON when it came in OpenAI's shape, so that the OpenAI codec can forward
 * the fields Caravan does not need to understand; it is never modified. {@code cacheBreakpoints}: some part, message
 * or tool carries a {@link CacheBreakpoint}, so that a codec need not look through a request that has none.
 * {@code reasoningSentBack}: an assistant message carries Claude's reasoning as the caller got it ({@code
 * thinking_blocks} or {@code reasoning_content}), which OpenAI is not sent.
 */
public record ChatRequest(String model, List<ChatMessage> messages, Integer maxTokens, Double temperature, Double topP,
                          List<String> stop, boolean stream, boolean includeUsage, List<ToolDefinition> tools,
                          ToolChoice toolChoice, String user, ObjectNode original, boolean cacheBreakpoints,
                          boolean reasoningSentBack) {

    public ChatRequest {
        messages = List.copyOf(messages);
        stop = stop == null ? List.of() : List.copyOf(stop);
        tools = tools == null ? List.of() : List.copyOf(tools);
    }

    /** A request without reasoning sent back. */
    public ChatRequest(String model, List<ChatMessage> messages, Integer maxTokens, Double temperature, Double topP,
                       List<String> stop, boolean stream, boolean includeUsage, List<ToolDefinition> tools,
                       ToolChoice toolChoice, String user, ObjectNode original, boolean cacheBreakpoints) {
        this(model, messages, maxTokens, temperature, topP, stop, stream, includeUsage, tools, toolChoice, user,
                original, cacheBreakpoints, false);
    }

    /** A request without cache breakpoints. */
    public ChatRequest(String model, List<ChatMessage> messages, Integer maxTokens, Double temperature, Double topP,
                       List<String> stop, boolean stream, boolean includeUsage, List<ToolDefinition> tools,
                       ToolChoice toolChoice, String user, ObjectNode original) {
        this(model, messages, maxTokens, temperature, topP, stop, stream, includeUsage, tools, toolChoice, user,
                original, false);
    }

    public ChatRequest withModel(String newModel) {
        return new ChatRequest(newModel, messages, maxTokens, temperature, topP, stop, stream, includeUsage, tools,
                toolChoice, user, original, cacheBreakpoints, reasoningSentBack);
    }

    /** The last user message's text: what the echo model answers with and what a prompt estimate starts from. */
    public String lastUserText() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if ("user".equals(messages.get(i).role())) {
                return messages.get(i).text();
            }
        }
        return "";
    }
}
