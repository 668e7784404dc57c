package dev.caravan.providers.bedrock;

import dev.caravan.core.GatewayException;
import dev.caravan.core.ThinkingBlock;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ReasoningContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ReasoningContentBlockDelta;
import software.amazon.awssdk.services.bedrockruntime.model.ReasoningTextBlock;

import java.util.Base64;

/**
 * Claude's thinking blocks in Converse's terms: a {@code reasoningContent} block holds {@code reasoningText} (the text
 * and its signature) or {@code redactedContent} (bytes, which the caller gets base64-encoded, as Anthropic's
 * redacted_thinking data, and sends back so).
 */
final class BedrockReasoning {

    private BedrockReasoning() {
    }

    static ThinkingBlock thinkingBlock(ReasoningContentBlock block) {
        if (block.redactedContent() != null) {
            return ThinkingBlock.redacted(base64(block.redactedContent()));
        }
        ReasoningTextBlock text = block.reasoningText();
        return ThinkingBlock.thinking(text == null || text.text() == null ? "" : text.text(),
                text == null ? null : text.signature());
    }

    /** A streamed piece: more text, the signature, or a redacted block; null for a delta that carries none. */
    static ThinkingBlock piece(ReasoningContentBlockDelta delta) {
        if (delta.redactedContent() != null) {
            return ThinkingBlock.redacted(base64(delta.redactedContent()));
        }
        if (delta.signature() != null) {
            return ThinkingBlock.thinking("", delta.signature());
        }
        return delta.text() == null ? null : ThinkingBlock.thinking(delta.text(), null);
    }

    /** A thinking block the caller sends back, as the reasoningContent block Claude wrote. */
    static ContentBlock contentBlock(ThinkingBlock block) {
        if (block.isRedacted()) {
            byte[] data;
            try {
                data = Base64.getDecoder().decode(block.data());
            } catch (IllegalArgumentException e) {
                throw GatewayException.invalidRequest("messages", "a redacted_thinking block's data must be the "
                        + "base64 it came as");
            }
            return ContentBlock.fromReasoningContent(r -> r.redactedContent(SdkBytes.fromByteArray(data)));
        }
        return ContentBlock.fromReasoningContent(r -> r.reasoningText(t -> t
                .text(block.thinking() == null ? "" : block.thinking()).signature(block.signature())));
    }

    private static String base64(SdkBytes bytes) {
        return Base64.getEncoder().encodeToString(bytes.asByteArrayUnsafe());
    }
}
