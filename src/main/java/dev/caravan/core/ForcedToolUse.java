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

    /**
     * The answer's tool for {@code request} to Claude model {@code modelId}: null when the request asks for no
     * structured output, or the model takes no forced tool call (then {@link #outputFormat}). The model id is read only
     * for a request that asks for structured output.
     *
     * @throws GatewayException a 400 naming the field when the format cannot be honoured as asked
     */
    public static JsonAnswerTool answerTool(ChatRequest request, String modelId) {
        JsonAnswerTool tool = JsonAnswerTool.of(request);
        return tool == null || refusedBy(modelId) ? null : tool;
    }

    /**
     * The answer whose schema Claude model {@code modelId} gets as its own output format (Anthropic's
     * {@code output_config.format}, Converse's {@code outputConfig.textFormat}): for a model that takes no forced tool
     * call, else null.
     */
    public static JsonAnswerTool outputFormat(ChatRequest request, String modelId) {
        JsonAnswerTool tool = JsonAnswerTool.of(request);
        return tool != null && refusedBy(modelId) ? tool : null;
    }

    /** Whether Claude model {@code modelId} (Anthropic's id, a Bedrock model id or profile) refuses a forced tool call. */
    public static boolean refusedBy(String modelId) {
        ClaudeModelVersion version = ClaudeModelVersion.of(modelId);
        return version != null && version.refusesForcedToolUse();
    }
}
