package dev.caravan.core;

/**
 * Which Claude models take adaptive thinking ({@code thinking: {type: "adaptive"}} with {@code output_config.effort}),
 * read from the model id, and the effort a {@code reasoning_effort} becomes there. Anthropic and AWS document it from
 * Claude Opus 4.6 and Sonnet 4.6 on (where the budget form is deprecated; Opus 4.7 and later, Mythos and Fable take
 * nothing else) and for the Mythos and Fable models, which may carry no version ({@code claude-mythos-preview}); older
 * models take only the budget form. An id that names no version of those (an application inference profile's ARN, an
 * unknown name) keeps the budget form.
 */
public final class AdaptiveThinking {

    private AdaptiveThinking() {
    }

    /** Whether Claude model {@code modelId} (Anthropic's id, a Bedrock model id, profile or ARN) thinks adaptively. */
    public static boolean takes(String modelId) {
        ClaudeModelVersion version = ClaudeModelVersion.of(modelId);
        if (version == null) {
            return false;
        }
        return version.major() < 0 ? version.newestFamily() : version.atLeast(4, 6);
    }

    /**
     * Whether Claude model {@code modelId} answers its thinking blocks with empty text unless asked to show them:
     * Anthropic made {@code thinking.display} default to "omitted" from Opus 4.7 on (and on Mythos), where Opus and
     * Sonnet 4.6 default to "summarized".
     */
    public static boolean omitsThinkingByDefault(String modelId) {
        ClaudeModelVersion version = ClaudeModelVersion.of(modelId);
        return version != null && version.fromOpus47On();
    }

    /**
     * The output_config effort for OpenAI's {@code reasoningEffort} on adaptive model {@code modelId}: minimal and low
     * are low, medium and high themselves; xhigh is Anthropic's xhigh where it is documented (Opus 4.7 and later),
     * else max, the level above high on the 4.6 models and Mythos Preview. Null for "none" or an unknown value.
     */
    public static String effort(String reasoningEffort, String modelId) {
        if (reasoningEffort == null) {
            return null;
        }
        return switch (reasoningEffort) {
            case "minimal", "low" -> "low";
            case "medium" -> "medium";
            case "high" -> "high";
            case "xhigh" -> {
                ClaudeModelVersion version = ClaudeModelVersion.of(modelId);
                yield version != null && version.atLeast(4, 7) ? "xhigh" : "max";
            }
            default -> null;
        };
    }
}
