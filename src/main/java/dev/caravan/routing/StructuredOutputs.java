package dev.caravan.routing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.GatewayException;

import java.util.Set;

/**
 * Which targets honour OpenAI's {@code response_format} of type json_object or json_schema. OpenAI-shaped upstreams
 * get it as sent; Caravan does not translate it for Anthropic or Bedrock, whose answer would be free text, so those
 * targets are refused up front (the requested model) or left out (a fallback) rather than silently ignoring it.
 */
final class StructuredOutputs {

    private static final Set<String> STRUCTURED_TYPES = Set.of("json_object", "json_schema");
    /** The built-in mock is a stand-in for tests and demos; it answers as it always does. */
    private static final Set<String> HONOURED_BY = Set.of("openai", "azure-openai", "mock");

    private StructuredOutputs() {
    }

    /** The structured {@code response_format} type the request asks for, or null (none, or "text"). */
    static String requested(ChatRequest request) {
        if (request.original() == null) {
            return null;
        }
        JsonNode type = request.original().path("response_format").path("type");
        return type.isTextual() && STRUCTURED_TYPES.contains(type.asText()) ? type.asText() : null;
    }

    static boolean honouredBy(Target target) {
        return HONOURED_BY.contains(target.provider());
    }

    /** The 400 for a requested model none of whose deployments can honour {@code type}. */
    static GatewayException unsupported(String type, String model, Target target) {
        return GatewayException.invalidRequest("response_format", "response_format '" + type + "' is not supported "
                + "for model '" + model + "': it is served by " + target.provider() + ", for which Caravan does not "
                + "translate structured outputs. Use an OpenAI model, or leave response_format out.");
    }
}
