package dev.caravan.routing;

import dev.caravan.core.AdaptiveThinking;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.ExtendedThinking;
import dev.caravan.core.GatewayException;
import dev.caravan.core.JsonAnswerTool;
import dev.caravan.core.ReasoningEffort;
import dev.caravan.core.SamplingParameters;
import dev.caravan.core.ToolChoice;

/**
 * Which targets can honour OpenAI's {@code reasoning_effort} (other than "none"). OpenAI-shaped upstreams get it as
 * sent and decide themselves, as OpenAI does for a model that cannot reason (a 400). Claude, on Anthropic's API and
 * on Bedrock, gets extended thinking ({@link ReasoningEffort}), which Anthropic documents as incompatible with a
 * temperature other than 1 (one above 1 is sent as 1) and with a top_p under 0.95, and, in its budget form, with a
 * forced tool choice (so with structured outputs, asked for with a forced tool, {@link JsonAnswerTool}); adaptive
 * thinking ({@link AdaptiveThinking}) takes a forced tool, and the models that take no sampling parameters at all
 * ({@link SamplingParameters}) are sent neither field. Such a request is refused up front rather than sent for
 * Anthropic's 400. Bedrock's other model families and the built-in mock cannot reason, so they are refused too. As for
 * structured outputs, the requested model's refusal is the request's 400 and a fallback that cannot honour it is left
 * out.
 */
final class Reasoning {

    /** The least top_p Anthropic takes with thinking on. */
    private static final double LEAST_TOP_P = 0.95;

    private Reasoning() {
    }

    static boolean requested(ChatRequest request) {
        return ReasoningEffort.budget(request) != null;
    }

    /** The 400 for asking {@code target} (serving {@code model}) to reason as the request does; null when it can. */
    static GatewayException conflict(ChatRequest request, Target target, String model) {
        if ("openai".equals(target.provider()) || "azure-openai".equals(target.provider())) {
            return null; // OpenAI's shape: the field as sent, for OpenAI's or Azure's reasoning models
        }
        if (!target.claude() || !ExtendedThinking.takenBy(target.model())) {
            // Bedrock's other families, the mock, and Claude before 3.7 Sonnet
            return GatewayException.invalidRequest(ReasoningEffort.FIELD, "reasoning_effort is not supported for "
                    + "model '" + model + "': it is served by " + target.name() + ", which cannot reason. Use a Claude "
                    + "(3.7 Sonnet or later) or OpenAI reasoning model, or leave reasoning_effort out (or set it to "
                    + "none).");
        }
        GatewayException forcedTool = AdaptiveThinking.takes(target.model()) ? null : forcedTool(request, model);
        if (forcedTool != null) {
            return forcedTool;
        }
        if (!SamplingParameters.takenBy(target.model())) {
            return null; // Opus 4.7 and later are sent no temperature or top_p, so neither can conflict
        }
        if (request.temperature() != null && request.temperature() < 1.0) {
            // above 1 (OpenAI's scale goes to 2) Claude is sent 1, the one temperature it takes with thinking
            return refused("temperature", "a temperature under 1: Claude takes none but 1 with thinking", model);
        }
        if (request.topP() != null && request.topP() < LEAST_TOP_P && request.temperature() == null) {
            return refused("top_p", "a top_p under 0.95: Claude takes 0.95 to 1 with thinking", model);
        }
        return null;
    }

    /** The 400 for a forced tool call, which Claude does not take with thinking in its budget form; else null. */
    private static GatewayException forcedTool(ChatRequest request, String model) {
        ToolChoice choice = request.toolChoice();
        if (choice != null && choice.forcesACall()) {
            return refused("tool_choice", "a tool_choice that forces a tool call ('" + choice.mode()
                    + "'): Claude takes only auto or none with thinking", model);
        }
        if (JsonAnswerTool.requestedFormat(request) != null) {
            return refused("response_format", "structured outputs (response_format '"
                    + request.original().path("response_format").path("type").asText() + "'), which Claude is asked "
                    + "for with a forced tool call, and Claude takes no forced tool call with thinking", model);
        }
        return null;
    }

    private static GatewayException refused(String field, String why, String model) {
        return GatewayException.invalidRequest(field, "reasoning_effort cannot be honoured for model '" + model
                + "' with " + why + ". Leave out " + field + " or reasoning_effort.");
    }
}
