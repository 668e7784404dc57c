package dev.caravan.core;

import java.util.List;
import java.util.stream.Collectors;

/**
 * One turn of a conversation. Roles: system, developer, user, assistant, tool.
 * An assistant turn may carry tool calls; a tool turn answers the call named by {@code toolCallId}. {@code cache}: the
 * caller's prompt caching breakpoint on the whole message, which marks its last block as sent, or null.
 * {@code thinking}: an assistant turn's thinking blocks (Claude's extended thinking) as the caller got them with the
 * answer and sends them back; they go first in that turn, unchanged.
 */
public record ChatMessage(String role, List<ContentPart> content, List<ToolCall> toolCalls, String toolCallId,
                          String name, CacheBreakpoint cache, List<ThinkingBlock> thinking) {

    public ChatMessage {
        content = content == null ? List.of() : List.copyOf(content);
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        thinking = thinking == null ? List.of() : List.copyOf(thinking);
    }

    /** A turn without thinking blocks. */
    public ChatMessage(String role, List<ContentPart> content, List<ToolCall> toolCalls, String toolCallId,
                       String name, CacheBreakpoint cache) {
        this(role, content, toolCalls, toolCallId, name, cache, List.of());
    }

    public ChatMessage(String role, List<ContentPart> content, List<ToolCall> toolCalls, String toolCallId,
                       String name) {
        this(role, content, toolCalls, toolCallId, name, null);
    }

    public static ChatMessage of(String role, String text) {
        return new ChatMessage(role, List.of(ContentPart.text(text)), List.of(), null, null);
    }

    /** The text parts joined, which is what a provider without content parts receives. */
    public String text() {
        return content.stream().filter(ContentPart::isText).map(ContentPart::text).collect(Collectors.joining());
    }

    /** The message's own breakpoint, else the first of its parts' (for a message sent as one block). */
    public CacheBreakpoint anyCache() {
        if (cache != null) {
            return cache;
        }
        for (ContentPart part : content) {
            if (part.cache() != null) {
                return part.cache();
            }
        }
        return null;
    }

    public boolean isSystem() {
        return "system".equals(role) || "developer".equals(role);
    }
}
