package dev.caravan.routing;

import dev.caravan.core.ChatRequest;
import dev.caravan.core.ForcedToolUse;
import dev.caravan.core.GatewayException;
import dev.caravan.core.JsonAnswerTool;

/**
 * Which targets take what a request forces: a call of the caller's tools (tool_choice "required" or a named function),
 * or structured outputs, which Caravan asks Claude for with a forced call of the answer's tool. Claude Opus 5.5, Sonnet
 * 5.5 and Fable take no forced tool call ({@link ForcedToolUse}): a forced tool_choice is refused for them up front
 * rather than sent for Anthropic's 400, and structured outputs reach them as Anthropic's own output format, which takes
 * a schema only (a json_object, or a json_schema without a schema, is refused). As for reasoning, the requested model's
 * refusal is the request's 400 and a fallback that cannot take the request is left out.
 */
final class ForcedToolCalls {

    private ForcedToolCalls() {
    }

    static boolean requested(ChatRequest request) {
        return forcesCallersTool(request) || JsonAnswerTool.requestedFormat(request) != null;
    }

    /** The 400 for sending {@code target} (serving {@code model}) what the request forces; null when it takes it. */
    static GatewayException conflict(ChatRequest request, Target target, String model) {
        if (!target.claude() || !ForcedToolUse.refusedBy(target.model())) {
            return null;
        }
        if (forcesCallersTool(request)) {
            return GatewayException.invalidRequest("tool_choice", "tool_choice '" + request.toolChoice().mode()
                    + "' is not supported for model '" + model + "': it is served by " + target.name() + ", which "
                    + "takes no forced tool call (Claude Opus 5.5, Sonnet 5.5 and later, and Fable refuse one). Use "
                    + "tool_choice auto, or another model.");
        }
        if (JsonAnswerTool.requestedFormat(request) != null && !JsonAnswerTool.givesSchema(request)) {
            return GatewayException.invalidRequest("response_format", "response_format '"
                    + request.original().path("response_format").path("type").asText() + "' is not supported for "
                    + "model '" + model + "': it is served by " + target.name() + ", which gives JSON only to a schema "
                    + "(Anthropic's output format; it takes no forced tool call). Use type json_schema with "
                    + "json_schema.schema.");
        }
        return null;
    }

    private static boolean forcesCallersTool(ChatRequest request) {
        return !request.tools().isEmpty() && request.toolChoice() != null && request.toolChoice().forcesACall();
    }
}
