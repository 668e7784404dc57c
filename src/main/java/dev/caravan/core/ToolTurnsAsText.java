package dev.caravan.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A conversation's tool calls and tool results written as plain text, for a request that must not carry tool
 * blocks: Anthropic and Bedrock refuse toolUse/toolResult blocks when the request defines no tools, and Bedrock has
 * no "none" tool choice. The model still reads what was called and what came back, but cannot call a tool. Cache
 * breakpoints stay on the turns that carried them.
 */
public final class ToolTurnsAsText {

    private ToolTurnsAsText() {
    }

    /** The same conversation with each tool call as assistant text and each tool result as user text. */
    public static List<ChatMessage> rewrite(List<ChatMessage> messages) {
        Map<String, String> namesById = new HashMap<>();
        List<ChatMessage> rewritten = new ArrayList<>(messages.size());
        for (ChatMessage message : messages) {
            if (!message.toolCalls().isEmpty()) {
                List<ContentPart> content = new ArrayList<>(message.content());
                for (ToolCall call : message.toolCalls()) {
                    namesById.put(call.id(), call.name());
                    String arguments = call.arguments() == null || call.arguments().isBlank() ? "{}" : call.arguments();
                    content.add(ContentPart.text(
                            "[called tool " + call.name() + " (id " + call.id() + ") with " + arguments + "]"));
                }
                rewritten.add(new ChatMessage(message.role(), content, List.of(), null, message.name(),
                        message.cache()));
            } else if ("tool".equals(message.role())) {
                String name = namesById.getOrDefault(message.toolCallId(), message.name());
                String text = "[result of tool " + (name == null ? "" : name + " ") + "(id " + message.toolCallId()
                        + "): " + message.text() + "]";
                // a breakpoint on the tool result stays on the text that replaces it
                rewritten.add(new ChatMessage("user", List.of(ContentPart.text(text)), List.of(), null, null,
                        message.anyCache()));
            } else {
                rewritten.add(message);
            }
        }
        return rewritten;
    }
}
