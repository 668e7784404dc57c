package dev.caravan.routing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.GatewayException;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which targets can honour OpenAI's {@code response_format} of type json_object or json_schema. OpenAI-shaped upstreams
 * get it as sent; Anthropic, and Bedrock's models that accept a forced tool choice, get it as a tool the model must
 * call (JsonAnswerTool). Bedrock's other models (Meta Llama, Cohere, AI21, Titan text) take only "auto": they would
 * answer free text, so they are refused up front (the requested model) or left out (a fallback) rather than
 * silently ignoring the format.
 */
final class StructuredOutputs {

    private static final Set<String> STRUCTURED_TYPES = Set.of("json_object", "json_schema");
    /** Bedrock model ids (a cross-region prefix or an inference profile's ARN around them) whose tool choice can force. */
    private static final Pattern FORCED_TOOL_CHOICE = Pattern.compile(
            "(?:^|[./])(?:anthropic\\.claude|amazon\\.nova|mistral\\.mistral-large)");

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
        return !"bedrock".equals(target.provider()) || FORCED_TOOL_CHOICE.matcher(target.model()).find();
    }

    /** The 400 for a requested model none of whose deployments can honour {@code type}. */
    static GatewayException unsupported(String type, String model, Target target) {
        return GatewayException.invalidRequest("response_format", "response_format '" + type + "' is not supported "
                + "for model '" + model + "': it is served by Bedrock model '" + target.model() + "', which cannot be "
                + "made to call a tool (Caravan asks Bedrock for JSON with a forced tool choice, which Anthropic "
                + "Claude, Amazon Nova and Mistral Large models accept). Use one of those, or leave response_format "
                + "out.");
    }
}
