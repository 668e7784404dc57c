package dev.caravan.providers.anthropic;

/** Anthropic's {@code stop_reason} in OpenAI's finish-reason vocabulary. */
final class AnthropicFinishReason {

    private AnthropicFinishReason() {
    }

    /** Null while the model has not stopped; an unknown future reason reads as a normal stop. */
    static String of(String stopReason) {
        if (stopReason == null) {
            return null;
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "refusal" -> "content_filter";
            default -> "stop";
        };
    }
}
