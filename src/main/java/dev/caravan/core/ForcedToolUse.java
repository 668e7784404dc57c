package dev.caravan.core;

/**
 * Which Claude models take no forced tool call ({@code tool_choice} "any" or a named tool), read from the model id
 * ({@link ClaudeModelVersion}): Anthropic documents that Claude Opus 5.5, Sonnet 5.5 (and later) and Fable answer one
 * with a 400. Structured outputs, which Caravan asks other Claude models for with a forced
 * tool ({@link JsonAnswerTool}), go to them as the JSON schema of Anthropic's own output format ({@code
 * output_config.format}; Converse's {@code outputConfig.textFormat}). An id that names no version (an application
 * inference profile's ARN) is taken to take one, and the provider decides.
 */
public final class ForcedToolUse {

    private ForcedToolUse() {
    }

    /** Whether Claude model {@code modelId} (Anthropic's id, a Bedrock model id or profile) refuses a forced tool call. */
    public static boolean refusedBy(String modelId) {
        ClaudeModelVersion version = ClaudeModelVersion.of(modelId);
        return version != null && version.refusesForcedToolUse();
    }
}
