package dev.caravan.core;

import java.util.List;
import java.util.stream.Collectors;

/**
 * One turn of a conversation. Roles: system, developer, user, assistant, tool.
 * An assistant turn may carry tool calls; a tool turn answers the call named by {@code toolCallId}.
 */
public record ChatMessage(String role, List<ContentPart> content, List<ToolCall> toolCalls, String toolCallId,
                          String name) {

    public ChatMessage {
        content = content == null ? List.of() : List.copyOf(content);
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    public static ChatMessage of(String role, String text) {
        return new ChatMessage(role, List.of(ContentPart.text(text)), List.of(), null, null);
    }

    /** The text parts joined, which is what a provider without content parts receives. */
    public String text() {
        return content.stream().filter(ContentPart::isText).map(ContentPart::text).collect(Collectors.joining());
    }

    public boolean isSystem() {
        return "system".equals(role) || "developer".equals(role);
    }
}
