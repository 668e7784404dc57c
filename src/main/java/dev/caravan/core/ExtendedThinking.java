package dev.caravan.core;

/**
 * Which Claude models can think at all, read from the model id ({@link ClaudeModelVersion}): Claude 3.7 Sonnet and
 * every later model, Mythos and Fable among them. Claude 3.5 and older (Claude 2 and Instant on Bedrock too) have no
 * extended thinking, and the provider refuses a request that asks them for it. An id that names no version (an application inference profile's ARN, an unknown
 * name) is taken to think, and the provider decides.
 */
public final class ExtendedThinking {

    private ExtendedThinking() {
    }

    /** Whether Claude model {@code modelId} (Anthropic's id, a Bedrock model id, profile or ARN) can be asked to think. */
    public static boolean takenBy(String modelId) {
        if (modelId != null && (modelId.contains("claude-v") || modelId.contains("claude-instant"))) {
            return false; // Claude 2 and Instant, whose ids carry no version of the kind ClaudeModelVersion reads
        }
        ClaudeModelVersion version = ClaudeModelVersion.of(modelId);
        return version == null || version.major() < 0 || version.atLeast(3, 7);
    }
}
