package dev.caravan.core;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * One block of Claude's extended thinking: a {@code thinking} block (its text and the {@code signature} that lets the
 * provider verify it) or a {@code redacted_thinking} block (its encrypted {@code data}). The caller gets them in the
 * answer ({@code message.thinking_blocks}) and sends them back unchanged on the assistant turn they belong to, which
 * a tool use with thinking needs. In a stream, a block comes in pieces: text, then its signature.
 */
public record ThinkingBlock(String type, String thinking, String signature, String data) {

    public static final String THINKING = "thinking";
    public static final String REDACTED = "redacted_thinking";

    public static ThinkingBlock thinking(String text, String signature) {
        return new ThinkingBlock(THINKING, text, signature, null);
    }

    public static ThinkingBlock redacted(String data) {
        return new ThinkingBlock(REDACTED, null, null, data);
    }

    public boolean isRedacted() {
        return REDACTED.equals(type);
    }

    /**
     * The block as Anthropic's API writes it, which LiteLLM's {@code thinking_blocks} convention keeps: {@code {type:
     * "thinking", thinking, signature}} or {@code {type: "redacted_thinking", data}}; a streamed piece has only what it
     * brings (no signature until the block ends).
     */
    public ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode().put("type", type);
        if (isRedacted()) {
            return node.put("data", data);
        }
        node.put("thinking", thinking == null ? "" : thinking);
        return signature == null ? node : node.put("signature", signature);
    }

    /** The thinking text of {@code blocks} joined (what OpenAI-shaped callers read as reasoning_content). */
    public static String text(List<ThinkingBlock> blocks) {
        StringBuilder text = new StringBuilder();
        for (ThinkingBlock block : blocks) {
            if (block.thinking() != null) {
                text.append(block.thinking());
            }
        }
        return text.toString();
    }
}
